// The seams between the HTTP host and the translators. The host owns sockets, timing and
// backpressure; the translators own every byte of protocol they read and write.
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Translation;

/// <summary>Token counts in the Anthropic meaning: InputTokens excludes cached ones.</summary>
public readonly record struct UsageCounts(int InputTokens, int OutputTokens, int CachedTokens);

/// <summary>Receives the Anthropic events of one response, in stream-grammar order.</summary>
internal interface IAnthropicEventSink
{
    void MessageStart(string id, string model, UsageCounts usage);
    /// <summary>kind: "text", "thinking" or "tool_use" (toolId and toolName set for tool_use).</summary>
    void BlockStart(int index, string kind, string? toolId, string? toolName);
    void TextDelta(int index, string text);
    void ThinkingDelta(int index, string thinking);
    void SignatureDelta(int index, string signature);
    void InputJsonDelta(int index, string partialJson);
    /// <summary>Text and thinking deltas as valid UTF-8 (the stream translator's fast path, no string per chunk).</summary>
    void TextDelta(int index, ReadOnlySpan<byte> utf8Text) => TextDelta(index, System.Text.Encoding.UTF8.GetString(utf8Text));
    void ThinkingDelta(int index, ReadOnlySpan<byte> utf8Thinking) => ThinkingDelta(index, System.Text.Encoding.UTF8.GetString(utf8Thinking));
    void BlockStop(int index);
    void MessageDelta(string stopReason, string? stopSequence, UsageCounts usage);
    void MessageStop();
    void Ping();
}

/// <summary>Backend quirks the request translator writes for, derived from <see cref="BackendSettings"/>.</summary>
internal sealed record BackendProfile
{
    public required BackendMode Mode { get; init; }
    /// <summary>The model field to send; null omits it.</summary>
    public string? Model { get; init; }
    /// <summary>False: no tools sent, tool history rendered as readable text.</summary>
    public bool SendTools { get; init; } = true;
    /// <summary>Tool calls and results go into the history as tool_calls and role:"tool" messages; false renders them as
    /// user/assistant text and merges consecutive same-role messages (strict alternation).</summary>
    public bool NativeToolHistory { get; init; } = true;
    /// <summary>Content parts must be text (mlx_lm.server): images become a short note.</summary>
    public bool TextOnlyContent { get; init; }
    /// <summary>JSON-schema keywords this backend rejects; removed from tool schemas.</summary>
    public IReadOnlySet<string> UnsupportedSchemaKeywords { get; init; } = new HashSet<string>();

    public static BackendProfile For(BackendSettings settings) => settings.Mode switch
    {
        BackendMode.MlxLm => new()
        {
            Mode = settings.Mode,
            Model = settings.Model,
            SendTools = settings.ToolCalls == ToolCallMode.Native,
            NativeToolHistory = settings.ToolCalls == ToolCallMode.Native && settings.ToolHistory == ToolHistoryMode.Native,
            TextOnlyContent = true,
            UnsupportedSchemaKeywords = new HashSet<string> { "$schema", "format" },
        },
        _ => new()
        {
            Mode = settings.Mode,
            Model = settings.Model,
            SendTools = settings.ToolCalls == ToolCallMode.Native,
            NativeToolHistory = settings.ToolCalls == ToolCallMode.Native && settings.ToolHistory == ToolHistoryMode.Native,
            UnsupportedSchemaKeywords = new HashSet<string> { "$schema", "format" },
        },
    };
}

