using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Translation;
using Xunit;

namespace AnyClaude.Proxy.Tests.ChatTemplates;

/// <summary>A property of a chat template itself that no request shape avoids in the modes it applies to
/// (each is explained, with advice, in docs/models.md). Problem lines start with Kind ("error", "missing",
/// "tools", "prefix") and contain Fragment.</summary>
internal sealed record TemplateLimitation(string Template, Func<TemplateMode, bool> AppliesTo, string Kind, string Fragment,
    string Why, bool ShownBySynthetic = true)
{
    public bool Matches(string problem) =>
        problem.StartsWith(Kind + ":", StringComparison.Ordinal) && problem.Contains(Fragment, StringComparison.Ordinal);
}

internal static class TemplateCompatibility
{
    private static bool SendsTools(TemplateMode m) => m.Settings.ToolCalls == ToolCallMode.Native;
    private static bool NativeHistory(TemplateMode m) => BackendProfile.For(m.Settings).NativeToolHistory;

    /// <summary>Every known limitation. Anything else a template does wrong with the translator's requests fails the tests.</summary>
    public static readonly IReadOnlyList<TemplateLimitation> Limitations =
    [
        new("DeepSeek-V3.1", SendsTools, "tools", "tool definitions not shown",
            "the template has no place for tool definitions; only a server that adds them itself makes the model see tools"),
        new("DeepSeek-V3.1", m => NativeHistory(m) && m.Server == TemplateModes.MlxLmServer, "error", "can only concatenate str (not \"dict\")",
            "the template concatenates tool-call arguments as a string; mlx_lm.server always parses them into an object first"),
        new("DeepSeek-R1-Distill-Qwen", SendsTools, "tools", "tool definitions not shown",
            "the template has no place for tool definitions"),
        new("DeepSeek-R1-Distill-Qwen", m => NativeHistory(m) && m.Server == TemplateModes.MlxLmServer, "error", "can only concatenate str (not \"dict\")",
            "the template concatenates tool-call arguments as a string; mlx_lm.server always parses them into an object first"),
        new("DeepSeek-R1-Distill-Qwen", m => NativeHistory(m) && m.Server == TemplateModes.LlamaServer, "prefix", "tool▁outputs▁end",
            "the template closes a run of tool outputs only when the prompt ends there, so the next turn re-renders it differently"),
        new("Gemma-3", NativeHistory, "error", "Conversation roles must alternate user/assistant",
            "the template knows no role \"tool\" and requires strict user/assistant alternation"),
        new("Gemma-3", SendsTools, "tools", "tool definitions not shown",
            "the template has no place for tool definitions"),
        new("Kimi-K2", NativeHistory, "missing", "tool call",
            "this Kimi K2 template never renders an assistant message's tool_calls"),
        new("Llama-3.3", NativeHistory, "error", "This model only supports single tool-calls at once!",
            "the template raises on an assistant message with more than one tool call"),
        new("Llama-3.3", NativeHistory, "missing", "(assistant)",
            "the template drops the text of an assistant message that makes a tool call"),
        new("Mistral-Small-3.2", SendsTools, "prefix", "[AVAILABLE_TOOLS]",
            "the template puts the tool definitions before the last user message, so they move whenever a new user message arrives", ShownBySynthetic: false),
        new("Mistral-Small-3.2", NativeHistory, "error", "conversation roles must alternate user/assistant",
            "the template rejects user text in the same turn as tool results (Claude Code sends it after an interruption or a queued message)"),
        new("Mistral-Small-3.2", NativeHistory, "missing", "(assistant)",
            "the template drops the text of an assistant message that makes a tool call"),
        new("gpt-oss", NativeHistory, "missing", "argument",
            "the template renders only the first tool call of an assistant message"),
        new("gpt-oss", NativeHistory, "missing", "(assistant)",
            "the template drops the text of a tool-calling turn once a later final answer exists (harmony drops old analysis)"),
        new("gpt-oss", NativeHistory, "prefix", "",
            "the same drop changes the earlier prompt once the final answer arrives"),
    ];

    /// <summary>Each problem of a rendered conversation, as one line: "error: …", "missing: …", "tools: …" or "prefix: …".</summary>
    public static IReadOnlyList<string> Problems(TemplateResult result)
    {
        var problems = new List<string>();
        foreach (var turn in result.Turns)
        {
            if (turn.Error is not null) problems.Add("error: " + turn.Error);
            problems.AddRange(turn.Missing.Select(m => "missing: " + m));
            if (turn.MissingTools.Count > 0) problems.Add($"tools: {turn.MissingTools.Count} tool definitions not shown");
        }
        problems.AddRange(result.PrefixBreaks.Select(b => $"prefix: …{b.Earlier}… became …{b.Later}…"));
        return problems.Distinct().ToList();
    }

    public static IReadOnlyList<TemplateLimitation> For(string template, TemplateMode mode) =>
        Limitations.Where(l => l.Template == template && l.AppliesTo(mode)).ToList();

    /// <summary>Every problem is a known limitation of the template in that mode; with <paramref name="synthetic"/>,
    /// every limitation the synthetic conversation is built to show does show (so the table stays true).</summary>
    public static void Check(TemplateResult result, TemplateMode mode, bool synthetic = false)
    {
        var known = For(result.Template, mode);
        var problems = Problems(result);
        var unexplained = problems.Where(p => !known.Any(l => l.Matches(p))).ToList();
        Assert.True(unexplained.Count == 0,
            $"{unexplained.Count} problem(s) no known limitation of {result.Template} explains:\n  {string.Join("\n  ", unexplained)}\n\n{result.Describe()}");
        if (!synthetic)
            return;
        var unseen = known.Where(l => l.ShownBySynthetic && !problems.Any(l.Matches)).ToList();
        Assert.True(unseen.Count == 0,
            $"limitation(s) listed for {result.Template} in {mode.Name} no longer show (update TemplateCompatibility and docs/models.md):\n  "
            + string.Join("\n  ", unseen.Select(l => $"{l.Kind}: {l.Fragment} ({l.Why})")) + $"\n\n{result.Describe()}");
    }
}
