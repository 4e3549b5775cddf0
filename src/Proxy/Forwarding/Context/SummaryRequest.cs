using System.Text.Json;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Forwarding.Context;

/// <summary>
/// Claude Code's compaction request: the whole conversation with the summary instruction appended to the last user
/// message. Recognised by the instruction's own opening, per pinned version (docs/claude-code-footprint.md, "When
/// Claude Code compacts"): 2.1.332 and 2.1.197 start it with "CRITICAL: Respond with TEXT ONLY" (2.1.332 <c>JYn</c>,
/// 2.1.197 <c>Hfa()</c>/<c>pUn()</c>); every version (2.0.77 <c>y50()</c> too) asks "Your task is to create a detailed
/// summary of the conversation so far" (2.1.197's partial compaction: "…of this conversation") and for a
/// &lt;summary&gt; block.
/// </summary>
internal static class SummaryRequest
{
    internal const string CriticalOpening = "CRITICAL: Respond with TEXT ONLY";
    internal const string TaskOpening = "Your task is to create a detailed summary of th";

    public static bool Is(MessagesRequest request) => Is(request.Root);

    public static bool Is(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array) return false;
        var count = messages.GetArrayLength();
        if (count == 0) return false;
        var last = messages[count - 1];
        if (last.ValueKind != JsonValueKind.Object || !last.TryGetProperty("role", out var role) || !role.ValueEquals("user")) return false;
        if (!last.TryGetProperty("content", out var content)) return false;
        return content.ValueKind switch
        {
            JsonValueKind.String => IsInstruction(content.GetString()),
            JsonValueKind.Array => content.EnumerateArray().Any(b => b.ValueKind == JsonValueKind.Object
                && b.TryGetProperty("type", out var t) && t.ValueEquals("text")
                && b.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String && IsInstruction(text.GetString())),
            _ => false,
        };
    }

    internal static bool IsInstruction(string? text)
    {
        if (string.IsNullOrEmpty(text)) return false;
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.StartsWith(CriticalOpening, StringComparison.Ordinal)) return true;
        // 2.0.77 has no CRITICAL line: the task sentence and the <summary> block it asks for.
        return text.Contains(TaskOpening, StringComparison.Ordinal) && text.Contains("<summary>", StringComparison.Ordinal);
    }
}
