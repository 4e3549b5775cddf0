using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Tests.ClaudeCode.Capture;
using Microsoft.ML.Tokenizers;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Footprint;

/// <summary>The size of one Claude Code request, in bytes and O200k tokens (the tokenizer the engine counts with).</summary>
internal sealed record RequestFootprint(
    int BodyBytes,
    int ToolCount,
    int ToolsJsonBytes,
    int SystemBytes,
    int SystemMessageCount,
    int SystemMessageBytes,
    int SystemTokens,
    int ToolsTokens,
    int SystemMessageTokens,
    int MaxTokens)
{
    private static readonly Lazy<Tokenizer> s_tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    /// <summary>What every turn costs before the conversation starts: the system prompt plus tool definitions.</summary>
    public int SystemPlusToolsTokens => SystemTokens + ToolsTokens;

    public static int CountTokens(string text) => text.Length == 0 ? 0 : s_tokenizer.Value.CountTokens(text);

    public static RequestFootprint Measure(CapturedRequest request)
    {
        using var doc = request.Json();
        var root = doc.RootElement;
        var tools = root.TryGetProperty("tools", out var t) && t.ValueKind == JsonValueKind.Array ? t : default;
        var toolsJson = tools.ValueKind == JsonValueKind.Array ? tools.GetRawText() : "";
        var system = SystemText(root);
        // 2.1.x also sends role "system" entries inside messages (environment, agent and skill lists).
        var systemMessages = root.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("role").GetString() == "system")
            .Select(m => ContentText(m.GetProperty("content")))
            .ToList();
        var systemMessageText = string.Concat(systemMessages);
        return new RequestFootprint(
            BodyBytes: request.Body.Length,
            ToolCount: tools.ValueKind == JsonValueKind.Array ? tools.GetArrayLength() : 0,
            ToolsJsonBytes: Encoding.UTF8.GetByteCount(toolsJson),
            SystemBytes: Encoding.UTF8.GetByteCount(system),
            SystemMessageCount: systemMessages.Count,
            SystemMessageBytes: Encoding.UTF8.GetByteCount(systemMessageText),
            SystemTokens: CountTokens(system),
            ToolsTokens: CountTokens(toolsJson),
            SystemMessageTokens: CountTokens(systemMessageText),
            MaxTokens: root.TryGetProperty("max_tokens", out var mt) ? mt.GetInt32() : 0);
    }

    private static string SystemText(JsonElement root) =>
        root.TryGetProperty("system", out var system) ? ContentText(system) : "";

    private static string ContentText(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString()!,
        JsonValueKind.Array => string.Join("\n\n", content.EnumerateArray()
            .Where(b => b.TryGetProperty("text", out _))
            .Select(b => b.GetProperty("text").GetString())),
        _ => "",
    };
}
