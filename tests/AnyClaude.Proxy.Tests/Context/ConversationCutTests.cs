using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Forwarding;
using AnyClaude.Proxy.Forwarding.Context;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Tokens;
using AnyClaude.Proxy.Translation;
using Xunit;

namespace AnyClaude.Proxy.Tests.Context;

/// <summary>Issue 17: the context policy's summary-request recognition, each cut, its determinism across turns and
/// the refusal that is left. Shapes as Claude Code sends them (tool_result turns, re-attached files after a compaction).</summary>
public sealed class ConversationCutTests
{
    private const int Window = 32_768;

    // The instruction's openings as the pinned CLIs write them (docs/claude-code-footprint.md).
    private const string Instruction2_1_332 = "CRITICAL: Respond with TEXT ONLY. Do NOT call any tools.\n- Do NOT use Read, Bash, Grep, Glob, Edit, Write, or ANY other tool.\n- You already have all the context you need in the conversation above.\n- Tool calls will be REJECTED and will waste your only turn \u2014 you will fail the task.\n- Your entire response must be plain text: an <analysis> block followed by a <summary> block.\n";
    private const string Instruction2_1_197 = Instruction2_1_332 + "Your task is to create a detailed summary of the conversation so far, paying close attention to the user's explicit requests and your previous actions.\n";
    private const string Instruction2_0_77 = "Your task is to create a detailed summary of the conversation so far, paying close attention to the user's explicit requests and your previous actions.\nThis summary should be thorough...\n<summary>\n1. Primary Request and Intent:\n</summary>";

    private static readonly string s_system = Text(15_000, "system");

    [Theory]
    [InlineData(Instruction2_1_332)]
    [InlineData(Instruction2_1_197)]
    [InlineData(Instruction2_0_77)]
    public void Each_versions_summary_instruction_is_recognised(string instruction)
    {
        // Appended to the last user message, after the tool results it carries.
        var body = Body(Turns(3).Append(UserBlocks(ToolResult("t3x", "ok"), TextBlock(instruction))).ToArray());
        using var doc = JsonDocument.Parse(body);
        Assert.True(SummaryRequest.Is(doc.RootElement));
    }

    [Fact]
    public void A_main_turn_that_quotes_the_words_is_not_a_summary_request()
    {
        using var plain = JsonDocument.Parse(Body(Turns(3)));
        Assert.False(SummaryRequest.Is(plain.RootElement));
        // The instruction in an older message (a compaction that was answered) does not make the next turn one.
        using var older = JsonDocument.Parse(Body([UserText(Instruction2_1_332), AssistantText("<summary>…</summary>"), UserText("go on")]));
        Assert.False(SummaryRequest.Is(older.RootElement));
    }

    [Fact]
    public void A_main_turn_over_the_window_loses_its_oldest_tool_results_and_keeps_system_tools_and_the_newest_whole()
    {
        var messages = Turns(12);
        using var doc = JsonDocument.Parse(Body(messages));
        Assert.True(TokenCounter.CountRequest(doc.RootElement) > ContextBudget.CutAbove(Window));

        var cut = ConversationCut.Apply(doc.RootElement, Window, CutPurpose.Main, CancellationToken.None);

        Assert.NotNull(cut.Body);
        // Down to half the window where it can; here the system prompt (15K) and the newest results set the floor, so
        // all but the newest one or two older results go (the cut was made at the boundary it first exceeded 7/8).
        Assert.InRange(cut.InputTokens, 1, ContextBudget.CutAbove(Window));
        Assert.InRange(cut.ElidedBlocks, 10, 11);
        Assert.True(cut.ElidedTokens > 10 * 2_000);
        using var after = JsonDocument.Parse(cut.Body);
        var root = after.RootElement;
        Assert.Equal(s_system, root.GetProperty("system").GetString());
        Assert.Equal(doc.RootElement.GetProperty("tools").GetRawText(), root.GetProperty("tools").GetRawText());
        var texts = root.GetProperty("messages").EnumerateArray().Select(m => m.GetRawText()).ToArray();
        Assert.Contains("[elided by AnyClaude to fit the 32,768-token window: ", texts[2]);
        // The newest tool result (what the model answers now) is whole.
        Assert.Equal(doc.RootElement.GetProperty("messages")[messages.Length - 1].GetRawText(), texts[^1]);
        Assert.Equal(messages.Length, texts.Length);
    }

    [Fact]
    public void The_cut_of_turn_n_is_a_prefix_of_turn_n_plus_1_except_where_it_has_to_cut_more()
    {
        var all = Turns(26);
        string[]? previous = null;
        int? previousBlocks = null;
        var growths = 0;
        var prefixes = 0;
        for (var turns = 1; turns <= 26; turns++)
        {
            var messages = all.Take(turns * 2 - 1).ToArray(); // each request ends with a user message (a tool result)
            using var doc = JsonDocument.Parse(Body(messages));
            var cut = ConversationCut.Apply(doc.RootElement, Window, CutPurpose.Main, CancellationToken.None);
            // Deterministic: the same request gives the same cut.
            var again = ConversationCut.Apply(doc.RootElement, Window, CutPurpose.Main, CancellationToken.None);
            Assert.Equal(cut.Body is null ? null : Convert.ToBase64String(cut.Body), again.Body is null ? null : Convert.ToBase64String(again.Body));

            using var sent = JsonDocument.Parse(cut.Body ?? Encoding.UTF8.GetBytes(Body(messages)));
            var current = sent.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetRawText()).ToArray();
            Assert.True(TokenCounter.CountRequest(sent.RootElement) <= ContextBudget.CutAbove(Window), $"turn {turns} sends more than 7/8 of the window");
            if (previous is not null)
            {
                if (cut.ElidedBlocks == previousBlocks)
                {
                    Assert.Equal(previous, current.Take(previous.Length));
                    prefixes++;
                }
                else
                {
                    Assert.True(cut.ElidedBlocks > previousBlocks, $"turn {turns} cut less than the turn before");
                    growths++;
                }
            }
            previous = current;
            previousBlocks = cut.ElidedBlocks;
        }
        // Hysteresis: the cut grows in steps, each leaving half the window free, not on every turn.
        Assert.InRange(growths, 1, 6);
        Assert.True(prefixes >= 19, $"only {prefixes} of 25 turns kept the previous turn's prefix");
    }

    [Fact]
    public void The_files_reattached_after_a_compaction_are_cut_first()
    {
        // Claude Code's first turn after a compaction: the summary, then the five most recently read files.
        var blocks = new List<string> { TextBlock("This session is being continued from a previous conversation. Summary:\n" + Text(3_000, "summary")) };
        for (var i = 0; i < 5; i++)
        {
            blocks.Add(TextBlock($"<system-reminder>\nCalled the Read tool with the following input: {{\"file_path\":\"/w/file{i}.txt\"}}\n</system-reminder>"));
            blocks.Add(TextBlock($"<system-reminder>\nResult of calling the Read tool: \"{Text(2_500, "file" + i)}\"\n</system-reminder>"));
        }
        blocks.Add(TextBlock("Read file 8 next."));
        using var doc = JsonDocument.Parse(Body([UserBlocks([.. blocks])]));

        var cut = ConversationCut.Apply(doc.RootElement, Window, CutPurpose.Main, CancellationToken.None);

        Assert.NotNull(cut.Body);
        Assert.True(cut.InputTokens <= ContextBudget.CutTo(Window) + 3_500, $"{cut.InputTokens} tokens after the cut");
        var text = Encoding.UTF8.GetString(cut.Body);
        Assert.Contains("This session is being continued", text);
        Assert.Contains("Read file 8 next.", text);
        Assert.Contains("[elided by AnyClaude to fit the 32,768-token window", text);
    }

    /// <summary>2.1.197 re-attaches files as "Result of calling the Read tool:" text without a system-reminder (seen in
    /// the real TUI: only the small "Called the Read tool" blocks were recognised, and the turn after the compaction
    /// was refused at 36,361 tokens).</summary>
    [Theory]
    [InlineData("Result of calling the Read tool:\n     1\u2192FILE-03-BEGIN")]
    [InlineData("<system-reminder>\nResult of calling the Read tool: \"x\"\n</system-reminder>")]
    [InlineData("<system-reminder>\nCalled the Read tool with the following input: {\"file_path\":\"/w/a.txt\"}\n</system-reminder>")]
    public void Reattached_tool_results_are_recognised_in_every_form(string text) => Assert.True(ConversationCut.IsAttachment(text));

    /// <summary>Seen with 2.1.197: a compaction in the middle of a turn (the main conversation waited for a tool
    /// result) made the compacted conversation look like a sub-agent's.</summary>
    [Fact]
    public void The_compacted_conversation_replaces_the_main_one_even_mid_turn()
    {
        var classifier = new AnyClaude.Proxy.Classification.RequestClassifier();
        using var main = MessagesRequest.Parse(Encoding.UTF8.GetBytes(Body(Turns(2))));
        Assert.Equal(RequestKind.Main, classifier.Classify("s", main).Kind);
        classifier.Observe("s", RequestKind.Main, classifier.Classify("s", main).ConversationId, "tool_use");
        using var compacted = MessagesRequest.Parse(Encoding.UTF8.GetBytes(Body([UserText("This session is being continued from a previous conversation that ran out of context. Summary: …")])));

        Assert.Equal(RequestKind.Main, classifier.Classify("s", compacted).Kind);
    }

    /// <summary>2.1.197 after a compaction (its trace in the real TUI): the summary after a date reminder in the first
    /// message, the newest tool result, then one message of role "system" holding every re-attached file as text.</summary>
    [Fact]
    public void The_files_2_1_197_reattaches_in_a_system_message_are_cut()
    {
        var files = string.Join('\n', Enumerable.Range(1, 5).Select(i => $"Called the Read tool with the following input: {{\"file_path\":\"/w/file{i}.txt\"}}\nResult of calling the Read tool:\n{Text(2_500, "file" + i)}"));
        var messages = new[]
        {
            UserBlocks(TextBlock("<system-reminder>\nToday's date is 2026-12-08.\n</system-reminder>"), TextBlock("This session is being continued from a previous conversation that ran out of context. " + Text(3_000, "summary"))),
            "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t3\",\"name\":\"Bash\",\"input\":{\"command\":\"cat file03.txt\"}}]}",
            UserBlocks(ToolResult("t3", Text(2_500, "file3"))),
            $"{{\"role\":\"system\",\"content\":{JsonSerializer.Serialize(files)}}}",
        };
        using var doc = JsonDocument.Parse(Body(messages));
        Assert.True(AnyClaude.Proxy.Classification.RequestClassifier.IsContinuation(doc.RootElement));

        var cut = ConversationCut.Apply(doc.RootElement, Window, CutPurpose.Main, CancellationToken.None);

        Assert.NotNull(cut.Body);
        Assert.True(cut.InputTokens <= ContextBudget.CutAbove(Window), $"{cut.InputTokens} tokens after the cut");
        using var after = JsonDocument.Parse(cut.Body);
        Assert.StartsWith("[elided by AnyClaude", after.RootElement.GetProperty("messages")[3].GetProperty("content").GetString());
        // The newest tool result (before the system message) stays whole: seen elided in the real TUI, the model answered
        // the marker instead of the file.
        Assert.Equal(doc.RootElement.GetProperty("messages")[2].GetRawText(), after.RootElement.GetProperty("messages")[2].GetRawText());
    }

    [Fact]
    public void A_summary_request_is_cut_until_the_summary_has_its_budget()
    {
        var messages = Turns(11).Append(UserBlocks(ToolResult("t11x", Text(2_500, "r11")), TextBlock(Instruction2_1_332))).ToArray();
        using var doc = JsonDocument.Parse(Body(messages));
        Assert.True(TokenCounter.CountRequest(doc.RootElement) > Window - ContextBudget.SummaryOutput(Window));

        var cut = ConversationCut.Apply(doc.RootElement, Window, CutPurpose.Summary, CancellationToken.None);

        Assert.NotNull(cut.Body);
        Assert.True(cut.InputTokens <= Window - ContextBudget.SummaryOutput(Window), $"{cut.InputTokens} tokens leave the summary too little");
        using var after = JsonDocument.Parse(cut.Body);
        Assert.True(SummaryRequest.Is(after.RootElement)); // the instruction stays
    }

    [Fact]
    public async Task A_summary_request_bigger_than_the_window_still_fits_with_a_real_output_budget()
    {
        // Tools and system alone are over half the window: older text goes, then the tool definitions.
        var bigTools = $"[{string.Join(',', Enumerable.Range(0, 6).Select(i => $"{{\"name\":\"T{i}\",\"description\":{JsonSerializer.Serialize(Text(1_500, "tool" + i))},\"input_schema\":{{\"type\":\"object\"}}}}"))}]";
        var messages = Turns(14).Append(UserBlocks(TextBlock(Instruction2_1_197))).ToArray();
        using var request = MessagesRequest.Parse(Encoding.UTF8.GetBytes(Body(messages, tools: bigTools)));
        var record = new RecordDraft("r", "/v1/messages") { Kind = RequestKind.Compaction };

        var fit = await Policy().ApplyAsync(request, Backend(), null, record, CancellationToken.None);

        using (fit.Cut)
        {
            Assert.NotNull(fit.Cut);
            Assert.True(fit.MaxTokens >= ContextBudget.SummaryOutput(Window) - 512, $"max_tokens {fit.MaxTokens}");
            Assert.True(record.ElidedTokens > 0);
            Assert.Equal(Window, record.ContextWindow);
        }
    }

    [Fact]
    public async Task One_message_bigger_than_the_window_is_refused_with_what_to_do()
    {
        using var request = MessagesRequest.Parse(Encoding.UTF8.GetBytes(Body([UserText(Text(40_000, "paste"))])));
        var record = new RecordDraft("r", "/v1/messages");

        var e = await Assert.ThrowsAsync<ApiException>(async () => await Policy().ApplyAsync(request, Backend(), null, record, CancellationToken.None));

        Assert.Equal(400, e.Status);
        Assert.Matches(@"^prompt is too long: \d+ tokens > 32768 maximum", e.Message);
        Assert.Contains("Send a shorter message", e.Message);
    }

    [Fact]
    public async Task Refuse_keeps_todays_prompt_is_too_long_and_cuts_nothing()
    {
        using var request = MessagesRequest.Parse(Encoding.UTF8.GetBytes(Body(Turns(12))));
        var refuse = Backend() with { ContextPolicy = ContextPolicyMode.Refuse };

        var e = await Assert.ThrowsAsync<ApiException>(async () => await Policy().ApplyAsync(request, refuse, null, new RecordDraft("r", "/v1/messages"), CancellationToken.None));
        Assert.Matches(@"^prompt is too long: \d+ tokens > 32768 maximum", e.Message);

        var fit = await Policy().ApplyAsync(request, Backend(), null, new RecordDraft("r", "/v1/messages"), CancellationToken.None);
        using (fit.Cut) Assert.NotNull(fit.Cut); // Elide, the default, answers the same turn
    }

    private static ContextPolicy Policy() => new(new ContextWindowCache(new BackendHttp(TimeSpan.FromSeconds(1))));

    private static BackendSettings Backend() => BackendSettings.Default(BackendMode.LmStudio) with { ContextWindow = Window };

    /// <summary>Claude Code's shape: a prompt, then per turn an assistant tool call and the user's tool result of
    /// ~2,500 tokens (a different file each time); ends with a user message.</summary>
    private static string[] Turns(int count)
    {
        var messages = new List<string> { UserText("Read the files one by one.") };
        for (var i = 0; i < count; i++)
        {
            messages.Add($"{{\"role\":\"assistant\",\"content\":[{{\"type\":\"tool_use\",\"id\":\"t{i}\",\"name\":\"Bash\",\"input\":{{\"command\":\"cat file{i}.txt\"}}}}]}}");
            messages.Add(UserBlocks(ToolResult("t" + i, Text(2_500, "file" + i))));
        }
        return [.. messages];
    }

    private static string Body(string[] messages, string? tools = null) =>
        $"{{\"model\":\"anyclaude-local\",\"max_tokens\":8192,\"stream\":true,\"system\":{JsonSerializer.Serialize(s_system)},"
        + $"\"tools\":{tools ?? "[{\"name\":\"Bash\",\"description\":\"Runs a command\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}}}}]"},"
        + $"\"messages\":[{string.Join(',', messages)}]}}";

    private static string UserText(string text) => $"{{\"role\":\"user\",\"content\":{JsonSerializer.Serialize(text)}}}";
    private static string AssistantText(string text) => $"{{\"role\":\"assistant\",\"content\":{JsonSerializer.Serialize(text)}}}";
    private static string UserBlocks(params string[] blocks) => $"{{\"role\":\"user\",\"content\":[{string.Join(',', blocks)}]}}";
    private static string TextBlock(string text) => $"{{\"type\":\"text\",\"text\":{JsonSerializer.Serialize(text)}}}";
    private static string ToolResult(string id, string text) => $"{{\"type\":\"tool_result\",\"tool_use_id\":\"{id}\",\"content\":{JsonSerializer.Serialize(text)}}}";

    /// <summary>Distinct text of about this many tokens (by the proxy's own counter).</summary>
    private static string Text(int tokens, string seed)
    {
        var sb = new StringBuilder();
        var line = 0;
        while (TokenCounter.Count(sb.ToString()) < tokens)
        {
            for (var i = 0; i < 20; i++, line++) sb.Append(seed).Append(" line ").Append(line).Append(": value ").Append(line * 7919 % 10007).Append(" alpha beta gamma\n");
        }
        return sb.ToString();
    }
}
