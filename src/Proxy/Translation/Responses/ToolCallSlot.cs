using System.Security.Cryptography;
using System.Text;

namespace AnyClaude.Proxy.Translation;

/// <summary>One backend tool call (keyed by its stream index) on its way to becoming a tool_use block.</summary>
internal sealed class ToolCallSlot(int backendIndex)
{
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public int BackendIndex { get; } = backendIndex;
    public string? Id { get; set; }
    public string? Name { get; set; }
    /// <summary>Argument fragments that arrived before the name (the block cannot start without it).</summary>
    public StringBuilder? Pending { get; set; }
    /// <summary>The Anthropic block index once started; -1 before.</summary>
    public int BlockIndex { get; set; } = -1;
    public bool Started => BlockIndex >= 0;
    /// <summary>True once an input_json_delta was sent for this call.</summary>
    public bool SentArguments { get; set; }

    /// <summary>A "toolu_" id for backends that send none.</summary>
    public static string NewId() => "toolu_" + RandomNumberGenerator.GetString(IdAlphabet, 24);

    /// <summary>Backend ids made safe for Anthropic (letters, digits, '_' and '-' only); others get a new id.</summary>
    public static string SafeId(string? backendId)
    {
        if (string.IsNullOrEmpty(backendId))
            return NewId();
        foreach (var c in backendId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                return string.Create(backendId.Length, backendId, static (span, id) =>
                {
                    for (var i = 0; i < id.Length; i++)
                        span[i] = char.IsAsciiLetterOrDigit(id[i]) || id[i] is '_' or '-' ? id[i] : '_';
                });
        }
        return backendId;
    }
}
