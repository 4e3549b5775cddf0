using System.Text.Json;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Capture;

/// <summary>What the capture server answers. A reply is either text or one Bash tool call.</summary>
internal sealed record ScriptedAnswer(string? Text, string? BashCommand)
{
    public bool IsToolUse => BashCommand is not null;
}

/// <summary>
/// The scripted conversation: a main-conversation request (it has tools and its first user message carries
/// <see cref="Marker"/>) gets Bash "echo one", then after that result Bash "echo two", then a final text.
/// Everything else (titles, path extraction, sub-agent warm-ups) is a side request and gets a short text.
/// Decided from the request alone (count of tool_result blocks), so it is stateless and replay-safe.
/// </summary>
internal static class ConversationScript
{
    /// <summary>Put this in the first prompt of a recorded session.</summary>
    public const string Marker = "ANYCLAUDE-RECORDING";
    public const string FinalText = "Both commands ran: one and two.";
    public const string SideText = "Short reply.";
    public static readonly string[] Commands = ["echo one", "echo two"];

    public static ScriptedAnswer Answer(JsonElement request)
    {
        if (!IsMainConversation(request))
            return new ScriptedAnswer(SideText, null);
        var results = CountToolResults(request);
        return results < Commands.Length ? new ScriptedAnswer(null, Commands[results]) : new ScriptedAnswer(FinalText, null);
    }

    public static bool IsMainConversation(JsonElement request) =>
        request.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0
        && FirstUserText(request).Contains(Marker, StringComparison.Ordinal);

    private static string FirstUserText(JsonElement request)
    {
        foreach (var message in request.GetProperty("messages").EnumerateArray())
        {
            if (message.GetProperty("role").GetString() != "user") continue;
            var content = message.GetProperty("content");
            if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
            return string.Concat(content.EnumerateArray()
                .Where(b => b.TryGetProperty("text", out _))
                .Select(b => b.GetProperty("text").GetString()));
        }
        return "";
    }

    private static int CountToolResults(JsonElement request) =>
        request.GetProperty("messages").EnumerateArray()
            .Select(m => m.GetProperty("content"))
            .Where(c => c.ValueKind == JsonValueKind.Array)
            .Sum(c => c.EnumerateArray().Count(b => b.TryGetProperty("type", out var t) && t.GetString() == "tool_result"));
}
