using AnyClaude.Proxy.Tests.ClaudeCode.Cli;
using AnyClaude.Proxy.Tests.ClaudeCode.Recording;
using Xunit;

namespace AnyClaude.Proxy.Tests.ChatTemplates;

/// <summary>
/// Issue 7, "chat-template compatibility as a tested property": every chat request the translator writes, in
/// every chat mode, rendered through every real chat template in tests/ChatTemplates the way the servers render
/// it. Each (template, mode) must render every turn without error, show every message's text, every tool call
/// and every tool, and keep turn n's prompt a prefix of turn n+1's, except where
/// <see cref="TemplateCompatibility"/> names a limitation of the template itself (docs/models.md).
/// </summary>
public sealed class SyntheticConversationTemplateTests
{
    private static readonly Lazy<IReadOnlyList<TemplateResult>> s_results = new(() => JinjaRenderer.Render(
        TemplateModes.All.Select(mode => new TemplateConversation(mode.Name, mode.Server,
            Enumerable.Range(0, SyntheticConversation.TurnCount).Select(t => mode.Translate(SyntheticConversation.Turn(t))).ToList()))));

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var template in JinjaRenderer.TemplateNames)
            foreach (var mode in TemplateModes.All)
                data.Add(template, mode.Name);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Every_turn_renders_completely_and_as_a_prefix_of_the_next(string template, string mode)
    {
        JinjaRenderer.RequireJinja();
        var result = s_results.Value.Single(r => r.Template == template && r.Conversation == mode);
        TemplateCompatibility.Check(result, TemplateModes.Named(mode), synthetic: true);
    }

    /// <summary>The first observed failure, reproduced: Claude Code's own tool ids ("toolu_…") in chat
    /// history make the Mistral Small 3.x template raise; the translator's 9-character ids render.</summary>
    [SkippableFact]
    public void Mistral_rejects_Claude_Code_tool_ids_and_accepts_the_translated_ones()
    {
        JinjaRenderer.RequireJinja();
        var mode = TemplateModes.Named("LmStudio");
        var translated = mode.Translate(SyntheticConversation.Turn(1));
        var rawIds = translated;
        foreach (var original in new[] { "toolu_01XqVv7dGm2kJb3Lp9TnWc4R" })
            rawIds = rawIds.Replace($"\"{AnyClaude.Proxy.Translation.ToolCallIds.Hash(original, 0)}\"", $"\"{original}\"", StringComparison.Ordinal);
        Assert.NotEqual(translated, rawIds);

        var results = JinjaRenderer.Render(
            [new TemplateConversation("raw ids", TemplateModes.LlamaServer, [rawIds]), new TemplateConversation("translated", TemplateModes.LlamaServer, [translated])],
            ["Mistral-Small-3.2"]);
        Assert.Equal("TemplateError: Tool call IDs should be alphanumeric strings with length 9!", results.Single(r => r.Conversation == "raw ids").Turns[0].Error);
        Assert.Null(results.Single(r => r.Conversation == "translated").Turns[0].Error);
    }

    /// <summary>Gemma 3 rejects role "tool"; the compatibility setting (ToolHistory Text) makes the same turn render.</summary>
    [SkippableFact]
    public void Gemma_3_rejects_tool_messages_and_renders_with_text_tool_history()
    {
        JinjaRenderer.RequireJinja();
        var native = TemplateModes.Named("LmStudio").Translate(SyntheticConversation.Turn(2));
        var text = TemplateModes.Named("LmStudioToolHistoryText").Translate(SyntheticConversation.Turn(2));
        var results = JinjaRenderer.Render(
            [new TemplateConversation("native", TemplateModes.LlamaServer, [native]), new TemplateConversation("text", TemplateModes.LlamaServer, [text])],
            ["Gemma-3"]);
        Assert.StartsWith("TemplateError: Conversation roles must alternate", results.Single(r => r.Conversation == "native").Turns[0].Error);
        var rendered = results.Single(r => r.Conversation == "text").Turns[0];
        Assert.Null(rendered.Error);
        Assert.Empty(rendered.Missing);
    }
}

/// <summary>The same property on conversations recorded from the real Claude Code CLIs (every pinned version).</summary>
[Collection(ClaudeCodeRecordingsCollection.Name)]
[Trait("Category", "ClaudeCode")]
public sealed class RecordedConversationTemplateTests(ClaudeCodeRecordings recordings)
{
    private static readonly object s_gate = new();
    private static IReadOnlyList<TemplateResult>? s_results;

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var template in JinjaRenderer.TemplateNames)
            foreach (var version in ClaudeCodeCli.PinnedVersions)
                foreach (var mode in TemplateModes.All)
                    data.Add(template, version, mode.Name);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Every_turn_renders_completely_and_as_a_prefix_of_the_next(string template, string version, string mode)
    {
        JinjaRenderer.RequireJinja();
        var result = Results().Single(r => r.Template == template && r.Conversation == $"{version}/{mode}");
        TemplateCompatibility.Check(result, TemplateModes.Named(mode));
    }

    // One Python process for every template × recording × mode.
    private IReadOnlyList<TemplateResult> Results()
    {
        lock (s_gate)
        {
            return s_results ??= JinjaRenderer.Render(
                from version in ClaudeCodeCli.PinnedVersions
                let session = recordings.Get(new RecordingKey(version, Attribution: true))
                from mode in TemplateModes.All
                select new TemplateConversation($"{version}/{mode.Name}", mode.Server,
                    session.MainTurns.Select(t => mode.Translate(t.Body)).ToList()));
        }
    }
}
