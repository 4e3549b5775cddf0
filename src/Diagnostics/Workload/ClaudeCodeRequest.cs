using System.Buffers;
using System.Text.Json;

namespace AnyClaude.Diagnostics.Workload;

/// <summary>Knobs for <see cref="ClaudeCodeRequest.Create"/>. Defaults give the ~80 KB first-class case.</summary>
public sealed record ClaudeCodeRequestOptions
{
    /// <summary>Same seed, same bytes.</summary>
    public int Seed { get; init; } = 2026;
    public int ToolCount { get; init; } = 17;
    /// <summary>Assistant tool-use rounds (each: assistant message, user message with tool results).</summary>
    public int Rounds { get; init; } = 6;
    public string Model { get; init; } = "claude-sonnet-4-5-20250929";
    public int MaxTokens { get; init; } = 32000;
    public bool Stream { get; init; } = true;
    /// <summary>Characters of the main system prompt block.</summary>
    public int SystemPromptChars { get; init; } = 7_000;
}

/// <summary>
/// Builds a request body shaped like what Claude Code 2.1.x posts to /v1/messages: system text blocks
/// (block 0 the attribution line), role:"system" entries inside messages, 17 tools (~50 KB), a history
/// of thinking/text/tool_use and tool_result blocks (string and array content, one is_error), a plain
/// string message, cache_control on the last block, thinking, metadata, max_tokens and stream.
/// All prose is synthetic. The history is generated round by round from one seed, so a request with
/// more rounds extends the messages of one with fewer (cache_control aside).
/// </summary>
public static class ClaudeCodeRequest
{
    public static byte[] Create(ClaudeCodeRequestOptions? options = null)
    {
        options ??= new ClaudeCodeRequestOptions();
        var buffer = new ArrayBufferWriter<byte>(96 * 1024);
        using (var w = new Utf8JsonWriter(buffer, JsonStyle.Options))
            Write(w, options);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The byte size of the "tools" array alone, for reporting.</summary>
    public static int ToolsBytes(ClaudeCodeRequestOptions? options = null)
    {
        options ??= new ClaudeCodeRequestOptions();
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, JsonStyle.Options))
            ToolCatalog.Write(w, new SyntheticText(options.Seed + 1), options.ToolCount);
        return buffer.WrittenCount;
    }

    private static void Write(Utf8JsonWriter w, ClaudeCodeRequestOptions o)
    {
        // Separate generators per section keep each section stable when another one's size changes.
        var systemText = new SyntheticText(o.Seed);
        var toolText = new SyntheticText(o.Seed + 1);
        var history = new SyntheticText(o.Seed + 2);
        var volatileText = new SyntheticText(o.Seed + 3);

        w.WriteStartObject();
        w.WriteString("model", o.Model);

        w.WritePropertyName("messages");
        w.WriteStartArray();
        WriteSystemMessage(w, "Environment:\n<env>\nWorking directory: /home/dev/src/widget-service\nIs directory a git repo: Yes\n"
            + "Platform: linux\nOS Version: Linux 6.8.0\nToday's date: 2026-11-24\n</env>\n" + history.Prose(700));
        WriteFirstUserMessage(w, history);
        for (var round = 0; round < o.Rounds; round++)
            WriteRound(w, history, round);
        WriteSystemMessage(w, $"<total_tokens>{history.Next(120_000, 180_000)} tokens left</total_tokens>");
        WriteLastUserMessage(w, volatileText);
        w.WriteEndArray();

        w.WritePropertyName("system");
        w.WriteStartArray();
        WriteTextBlock(w, $"x-anthropic-billing-header: cc_version=2.1.197.{volatileText.Hex(3)}; cc_entrypoint=sdk-cli;");
        WriteTextBlock(w, "You are a command-line coding assistant working inside the user's repository. " + systemText.Prose(600));
        WriteTextBlock(w, systemText.Prose(o.SystemPromptChars) + "\n\ngitStatus: Current branch: main\n\nStatus:\nM src/Service/Handler.cs\n?? notes.txt",
            cacheControl: true);
        w.WriteEndArray();

        w.WritePropertyName("tools");
        ToolCatalog.Write(w, toolText, o.ToolCount);

        w.WritePropertyName("metadata");
        w.WriteStartObject();
        w.WriteString("user_id", $"user_{volatileText.Hex(64)}_account__session_{volatileText.Hex(8)}-{volatileText.Hex(4)}-{volatileText.Hex(4)}-{volatileText.Hex(4)}-{volatileText.Hex(12)}");
        w.WriteEndObject();
        w.WriteNumber("max_tokens", o.MaxTokens);
        w.WritePropertyName("thinking");
        w.WriteStartObject();
        w.WriteString("type", "enabled");
        w.WriteNumber("budget_tokens", o.MaxTokens - 1);
        w.WriteEndObject();
        w.WritePropertyName("context_management");
        w.WriteStartObject();
        w.WritePropertyName("edits");
        w.WriteStartArray();
        w.WriteStartObject();
        w.WriteString("type", "clear_thinking_20251015");
        w.WriteString("keep", "all");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteBoolean("stream", o.Stream);
        w.WriteEndObject();
    }

    private static void WriteSystemMessage(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("role", "system");
        w.WriteString("content", text);
        w.WriteEndObject();
    }

    private static void WriteFirstUserMessage(Utf8JsonWriter w, SyntheticText t)
    {
        w.WriteStartObject();
        w.WriteString("role", "user");
        w.WritePropertyName("content");
        w.WriteStartArray();
        WriteTextBlock(w, "<system-reminder>\nAvailable skills and agents for this session:\n" + t.Prose(1400) + "\n</system-reminder>");
        WriteTextBlock(w, "Please look at the request handler in src/Service/Handler.cs: " + t.Prose(300));
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>One assistant turn with tool calls and the user turn carrying their results.</summary>
    private static void WriteRound(Utf8JsonWriter w, SyntheticText t, int round)
    {
        var calls = new List<(string Id, string Kind)>();
        w.WriteStartObject();
        w.WriteString("role", "assistant");
        w.WritePropertyName("content");
        w.WriteStartArray();
        if (round % 3 == 0)
        {
            w.WriteStartObject();
            w.WriteString("type", "thinking");
            w.WriteString("thinking", t.Prose(500));
            w.WriteString("signature", Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(t.Hex(180))));
            w.WriteEndObject();
        }
        WriteTextBlock(w, t.Prose(160));
        string[] kinds = (round % 6) switch
        {
            0 => ["Read"],
            1 => ["Grep", "Glob"],
            2 => ["Bash"],
            3 => ["Edit"],
            4 => ["TodoWrite"],
            _ => ["Read", "Bash"],
        };
        foreach (var kind in kinds)
        {
            var id = "toolu_01" + t.Hex(22);
            calls.Add((id, kind));
            w.WriteStartObject();
            w.WriteString("type", "tool_use");
            w.WriteString("id", id);
            w.WriteString("name", kind);
            w.WritePropertyName("input");
            WriteToolInput(w, t, kind);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject();
        w.WriteString("role", "user");
        w.WritePropertyName("content");
        w.WriteStartArray();
        for (var i = 0; i < calls.Count; i++)
        {
            var (id, kind) = calls[i];
            w.WriteStartObject();
            w.WriteString("type", "tool_result");
            w.WriteString("tool_use_id", id);
            if (kind == "Glob")
            {
                // Array content form.
                w.WritePropertyName("content");
                w.WriteStartArray();
                WriteTextBlock(w, string.Join('\n', Enumerable.Range(0, 12).Select(_ => "/home/dev/src/widget-service/src/" + t.Identifier() + ".cs")));
                w.WriteEndArray();
            }
            else if (kind == "Bash" && round == 2)
            {
                w.WriteString("content", "Exit code 1\n" + t.Prose(260));
                w.WriteBoolean("is_error", true);
            }
            else
            {
                w.WriteString("content", ToolResultText(t, kind));
            }
            w.WriteEndObject();
        }
        if (round == 3)
            WriteTextBlock(w, "<system-reminder>\n" + t.Prose(240) + "\n</system-reminder>");
        w.WriteEndArray();
        w.WriteEndObject();

        if (round == 1)
        {
            // A follow-up typed by the user, in the plain string form.
            w.WriteStartObject();
            w.WriteString("role", "assistant");
            w.WriteString("content", t.Prose(200));
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteString("role", "user");
            w.WriteString("content", t.Prose(180));
            w.WriteEndObject();
        }
    }

    private static void WriteToolInput(Utf8JsonWriter w, SyntheticText t, string kind)
    {
        w.WriteStartObject();
        switch (kind)
        {
            case "Read":
                w.WriteString("file_path", "/home/dev/src/widget-service/src/" + t.Identifier() + ".cs");
                break;
            case "Grep":
                w.WriteString("pattern", t.Identifier() + "\\(.*\\)");
                w.WriteString("path", "/home/dev/src/widget-service");
                w.WriteString("output_mode", "files_with_matches");
                w.WriteNumber("head_limit", 50);
                break;
            case "Glob":
                w.WriteString("pattern", "**/*.cs");
                break;
            case "Bash":
                w.WriteString("command", "dotnet test --filter " + t.Identifier() + " 2>&1 | tail -n 40");
                w.WriteString("description", "Run the " + t.Word() + " tests");
                w.WriteNumber("timeout", 120000);
                break;
            case "Edit":
                w.WriteString("file_path", "/home/dev/src/widget-service/src/Handler.cs");
                w.WriteString("old_string", "        var " + t.Identifier() + " = " + t.Identifier() + "(\"" + t.Word() + "\");\n");
                w.WriteString("new_string", "        var " + t.Identifier() + " = await " + t.Identifier() + "Async(\"" + t.Word() + "\", ct);\n");
                break;
            case "TodoWrite":
                w.WritePropertyName("todos");
                w.WriteStartArray();
                string[] states = ["completed", "in_progress", "pending", "pending"];
                foreach (var state in states)
                {
                    w.WriteStartObject();
                    w.WriteString("content", t.Sentence());
                    w.WriteString("status", state);
                    w.WriteString("activeForm", t.Sentence());
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
        }
        w.WriteEndObject();
    }

    private static string ToolResultText(SyntheticText t, string kind) => kind switch
    {
        "Read" => t.NumberedSource(70),
        "Grep" => "Found 6 files\n" + string.Join('\n', Enumerable.Range(0, 6).Select(_ => "/home/dev/src/widget-service/src/" + t.Identifier() + ".cs")),
        "Bash" => "  Determining projects to restore...\n" + t.Prose(500) + "\nPassed!  - Failed: 0, Passed: 41, Skipped: 0",
        "Edit" => "The file /home/dev/src/widget-service/src/Handler.cs has been updated.\n" + t.NumberedSource(12),
        "TodoWrite" => "Todos have been modified successfully. " + t.Sentence(),
        _ => t.Prose(200),
    };

    private static void WriteLastUserMessage(Utf8JsonWriter w, SyntheticText t)
    {
        w.WriteStartObject();
        w.WriteString("role", "user");
        w.WritePropertyName("content");
        w.WriteStartArray();
        WriteTextBlock(w, "Now " + t.Prose(220), cacheControl: true);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteTextBlock(Utf8JsonWriter w, string text, bool cacheControl = false)
    {
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteString("text", text);
        if (cacheControl)
        {
            w.WritePropertyName("cache_control");
            w.WriteStartObject();
            w.WriteString("type", "ephemeral");
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
