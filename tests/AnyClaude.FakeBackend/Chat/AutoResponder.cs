using System.Text.Json;
using AnyClaude.FakeBackend.Scripting;

namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// The deterministic "model" used when nothing is scripted; good enough for end-to-end runs of Claude Code:
/// a tool result gets acknowledged, "RUN: &lt;command&gt;" with a Bash tool available becomes a Bash call, "AGENTS: &lt;n&gt;"
/// with Claude Code's Agent/Task tool becomes n sub-agent calls at once, anything else (including Claude Code's title
/// and summary side requests) is echoed.
/// </summary>
internal static class AutoResponder
{
    private const string RunMarker = "RUN: ";
    private const string AgentMarker = "AGENT: ";
    private const string AgentsMarker = "AGENTS: ";

    public static ScriptedReply Reply(ChatRequest request, FakeServerOptions options, string modelId)
    {
        var messages = request.Messages;
        if (messages.Count > 0 && messages[^1].Role == "tool")
        {
            return ScriptedReply.WithText("Tool result received: " + Truncate(messages[^1].Text, 200));
        }

        var lastUser = request.LastUserText ?? "";
        if (options.SummaryTokens > 0 && IsSummaryRequest(lastUser))
        {
            // 4 characters a token (FakeTokenizer).
            var summary = "<analysis>\nThe user asked for files to be read one by one.\n</analysis>\n<summary>\n" + Filler(options.SummaryTokens * 4, "summary") + "\n</summary>";
            return options.SummaryReasoningTokens > 0
                ? ScriptedReply.WithReasoning(Filler(options.SummaryReasoningTokens * 4, "thinking"), summary)
                : ScriptedReply.WithText(summary);
        }
        var toolsUsable = (options.Flavor == FakeFlavor.LmStudio || options.MlxToolCalling) && request.ToolChoice != "none";
        if (toolsUsable && request.ForcedTool is null && request.ToolNames.Contains("Bash") && TryGetCommand(lastUser, out var command))
        {
            var args = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["command"] = command,
                ["description"] = "Run the requested command",
            });
            return ScriptedReply.WithToolCalls(new ScriptedToolCall("Bash", args));
        }

        // Claude Code's sub-agent tool (2.1.332 "Agent", 2.1.197 "Task"), when the request sends it.
        var agentTool = request.ToolNames.FirstOrDefault(n => n is "Agent" or "Task");

        // "AGENT: <task>": a call starting a general-purpose sub-agent on the task, the input that tool's schema
        // requires (description, prompt, subagent_type).
        if (toolsUsable && request.ForcedTool is null && agentTool is not null && TryGetMarked(lastUser, AgentMarker, out var task))
        {
            var args = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["description"] = "Sub-agent task",
                ["prompt"] = task,
                ["subagent_type"] = "general-purpose",
            });
            return ScriptedReply.WithToolCalls(new ScriptedToolCall(agentTool, args));
        }

        // "AGENTS: <n>" → n calls at once, as a model that fans work out to sub-agents does.
        if (toolsUsable && request.ForcedTool is null && agentTool is not null && TryGetAgentCount(lastUser, out var count))
        {
            var index = IndexOf(request.ToolNames, agentTool);
            var calls = Enumerable.Range(1, count).Select(i => new ScriptedToolCall(agentTool, AgentArguments(request.ToolsJson[index], i))).ToArray();
            return ScriptedReply.WithToolCalls(calls);
        }

        // tool_choice "required" or a named function forces a call (LM Studio honours it; mlx never reads tool_choice).
        if (toolsUsable && request.ToolChoice == "required" && request.ToolNames.Count > 0)
        {
            var index = request.ForcedTool is { } forced ? IndexOf(request.ToolNames, forced) : 0;
            if (index >= 0)
            {
                return ScriptedReply.WithToolCalls(new ScriptedToolCall(request.ToolNames[index], ArgumentsFromSchema(request.ToolsJson[index])));
            }
        }

        var flavor = options.Flavor == FakeFlavor.MlxLm ? "MLX-LM" : "LMSTUDIO";
        return ScriptedReply.WithText($"FAKE-{flavor} ({modelId}): {Truncate(lastUser, 100)}");
    }

    /// <summary>Claude Code's compaction instruction (2.1.x "CRITICAL: Respond with TEXT ONLY"; every version asks to
    /// "create a detailed summary of the conversation"; docs/claude-code-footprint.md).</summary>
    private static bool IsSummaryRequest(string text) =>
        text.Contains("CRITICAL: Respond with TEXT ONLY", StringComparison.Ordinal)
        || text.Contains("Your task is to create a detailed summary of the conversation", StringComparison.Ordinal);

    private static string Filler(int chars, string word)
    {
        var sb = new System.Text.StringBuilder(chars + 64);
        for (var i = 0; sb.Length < chars; i++) sb.Append(word).Append(' ').Append(i).Append(i % 12 == 11 ? ".\n" : " ");
        return sb.ToString(0, chars);
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Minimal arguments satisfying a tool's schema: every required property with a placeholder of its type.</summary>
    private static string ArgumentsFromSchema(string toolJson)
    {
        using var tool = JsonDocument.Parse(toolJson);
        var args = new Dictionary<string, object?>();
        if (tool.RootElement.TryGetProperty("function", out var fn) && fn.TryGetProperty("parameters", out var schema)
            && schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            schema.TryGetProperty("properties", out var props);
            foreach (var r in required.EnumerateArray())
            {
                var name = r.GetString() ?? "";
                var type = props.ValueKind == JsonValueKind.Object && props.TryGetProperty(name, out var p) && p.TryGetProperty("type", out var t)
                    ? t.GetString() : "string";
                args[name] = type switch
                {
                    "integer" or "number" => 1,
                    "boolean" => true,
                    "array" => Array.Empty<object>(),
                    "object" => new Dictionary<string, object>(),
                    _ => "test",
                };
            }
        }
        return JsonSerializer.Serialize(args);
    }

    /// <summary>A sub-agent call: description, prompt and subagent_type "general-purpose" where the schema has them, a
    /// placeholder for any other required property.</summary>
    private static string AgentArguments(string toolJson, int n)
    {
        using var parsed = JsonDocument.Parse(ArgumentsFromSchema(toolJson));
        var args = parsed.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        using var tool = JsonDocument.Parse(toolJson);
        var props = tool.RootElement.TryGetProperty("function", out var fn) && fn.TryGetProperty("parameters", out var schema)
            && schema.TryGetProperty("properties", out var p) ? p : default;
        bool Has(string name) => props.ValueKind == JsonValueKind.Object && props.TryGetProperty(name, out _);
        args["description"] = $"Look around {n}";
        args["prompt"] = $"Sub-agent {n}: list what this folder holds and report it in one line.";
        if (Has("subagent_type")) args["subagent_type"] = "general-purpose";
        return JsonSerializer.Serialize(args);
    }

    private static bool TryGetAgentCount(string text, out int count)
    {
        count = 0;
        var at = text.IndexOf(AgentsMarker, StringComparison.Ordinal);
        if (at < 0) return false;
        var rest = text.AsSpan(at + AgentsMarker.Length);
        var digits = 0;
        while (digits < rest.Length && char.IsAsciiDigit(rest[digits])) digits++;
        return digits > 0 && int.TryParse(rest[..digits], out count) && count is > 0 and <= 8;
    }

    private static bool TryGetCommand(string text, out string command) => TryGetMarked(text, RunMarker, out command);

    /// <summary>What follows <paramref name="marker"/> on its line, trimmed.</summary>
    private static bool TryGetMarked(string text, string marker, out string command)
    {
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            command = "";
            return false;
        }
        var rest = text.AsSpan(at + marker.Length);
        var end = rest.IndexOfAny('\r', '\n');
        command = (end < 0 ? rest : rest[..end]).Trim().ToString();
        return command.Length > 0;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
