using System.Text.Json;
using AnyClaude.FakeBackend.Scripting;

namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// The deterministic "model" used when nothing is scripted; good enough for end-to-end runs of Claude Code:
/// a tool result gets acknowledged, "RUN: &lt;command&gt;" with a Bash tool available becomes a Bash call, anything
/// else (including Claude Code's title and summary side requests) is echoed.
/// </summary>
internal static class AutoResponder
{
    private const string RunMarker = "RUN: ";

    public static ScriptedReply Reply(ChatRequest request, FakeServerOptions options, string modelId)
    {
        var messages = request.Messages;
        if (messages.Count > 0 && messages[^1].Role == "tool")
        {
            return ScriptedReply.WithText("Tool result received: " + Truncate(messages[^1].Text, 200));
        }

        var lastUser = request.LastUserText ?? "";
        var toolsUsable = options.Flavor == FakeFlavor.LmStudio || options.MlxToolCalling;
        if (toolsUsable && request.ToolNames.Contains("Bash") && TryGetCommand(lastUser, out var command))
        {
            var args = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["command"] = command,
                ["description"] = "Run the requested command",
            });
            return ScriptedReply.WithToolCalls(new ScriptedToolCall("Bash", args));
        }

        var flavor = options.Flavor == FakeFlavor.MlxLm ? "MLX-LM" : "LMSTUDIO";
        return ScriptedReply.WithText($"FAKE-{flavor} ({modelId}): {Truncate(lastUser, 100)}");
    }

    private static bool TryGetCommand(string text, out string command)
    {
        var at = text.IndexOf(RunMarker, StringComparison.Ordinal);
        if (at < 0)
        {
            command = "";
            return false;
        }
        var rest = text.AsSpan(at + RunMarker.Length);
        var end = rest.IndexOfAny('\r', '\n');
        command = (end < 0 ? rest : rest[..end]).Trim().ToString();
        return command.Length > 0;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
