using AnyClaude.Proxy.Tests.ClaudeCode.Recording;
using Xunit;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Stability;

/// <summary>
/// Issue 2, "Prompt-cache stability", on conversations recorded from the real Claude Code CLI: for every pair of
/// consecutive main-conversation turns, the backend request of turn n must be an exact prefix of turn n+1's,
/// so a local backend's KV cache is reused instead of reprocessing ~20k tokens per turn.
/// </summary>
[Collection(ClaudeCodeRecordingsCollection.Name)]
[Trait("Category", "ClaudeCode")]
public sealed class PromptCacheStabilityTests(ClaudeCodeRecordings recordings)
{
    private const string AttributionPrefix = "x-anthropic-billing-header";

    public static TheoryData<string, bool, BackendShape> Cases()
    {
        var data = new TheoryData<string, bool, BackendShape>();
        foreach (var key in ClaudeCodeRecordings.Keys)
            foreach (var shape in Enum.GetValues<BackendShape>())
                data.Add(key.Version, key.Attribution, shape);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Consecutive_turns_translate_to_prefix_extensions(string version, bool attribution, BackendShape shape)
    {
        var session = recordings.Get(new RecordingKey(version, attribution));
        var turns = session.MainTurns.Select(t => BackendTranslation.Translate(t.Body, shape)).ToList();

        var breaks = new List<string>();
        for (var n = 0; n + 1 < turns.Count; n++)
        {
            if (PrefixComparison.FindBreak(turns[n], turns[n + 1]) is { } why)
                breaks.Add($"turns {n}→{n + 1} (captured requests #{session.MainTurns[n].Sequence}→#{session.MainTurns[n + 1].Sequence}): {why}");
        }
        Assert.True(breaks.Count == 0,
            $"{shape} of Claude Code {session.Key}: {breaks.Count} of {turns.Count - 1} consecutive turn pairs are not prefix extensions.\n"
            + string.Join("\n\n", breaks));

        // Each turn really extends the previous one, or the prefix check above proves nothing.
        Assert.True(turns[^1].Messages.Count > turns[0].Messages.Count, "the conversation did not grow");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Translation_removes_the_attribution_line_and_tools_follow_the_profile(string version, bool attribution, BackendShape shape)
    {
        var session = recordings.Get(new RecordingKey(version, attribution));
        foreach (var turn in session.MainTurns)
        {
            var parts = BackendTranslation.Translate(turn.Body, shape);
            Assert.DoesNotContain(AttributionPrefix, parts.Body);
            Assert.DoesNotContain("cache_control", parts.Body);
            if (shape == BackendShape.MlxLmChat)
                Assert.Null(parts.Tools); // analysis-only: the model never sees tool definitions
            else
                Assert.NotNull(parts.Tools);
        }
    }

    /// <summary>The raw requests are NOT prefix extensions: that is why normalisation matters.</summary>
    [Theory]
    [MemberData(nameof(Keys))]
    public void Raw_Claude_Code_turns_are_not_prefix_extensions(string version, bool attribution)
    {
        var session = recordings.Get(new RecordingKey(version, attribution));
        var raw = session.MainTurns.Select(t => BackendRequestParts.FromAnthropic(System.Text.Encoding.UTF8.GetString(t.Body))).ToList();
        var rawBreaks = Enumerable.Range(0, raw.Count - 1)
            .Select(n => PrefixComparison.FindBreak(raw[n], raw[n + 1]))
            .Where(b => b is not null)
            .ToList();
        // cache_control moves to the newest block each turn, so an earlier message's bytes change.
        Assert.NotEmpty(rawBreaks);
        Assert.Contains(rawBreaks, b => b!.Contains("cache_control", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Attribution_line_is_sent_only_by_2_1_and_only_when_not_disabled(string version, bool attribution)
    {
        var session = recordings.Get(new RecordingKey(version, attribution));
        var expected = attribution && version.StartsWith("2.1.", StringComparison.Ordinal);
        foreach (var turn in session.MainTurns)
        {
            var body = System.Text.Encoding.UTF8.GetString(turn.Body);
            Assert.Equal(expected, body.Contains(AttributionPrefix, StringComparison.Ordinal));
        }
    }

    /// <summary>Why recordings pass --model: left to its default, 2.1.197 describes its model differently on the
    /// next launch ("(1M context)" only on the first), so the system prompt of a --continue run no longer
    /// matches. No proxy can normalise that away; launchers must pin the model.</summary>
    [Fact]
    public void Without_model_Claude_Code_2_1_changes_its_system_prompt_on_the_next_launch()
    {
        var session = recordings.Get(ClaudeCodeRecordings.DefaultModelKey);
        var firstRun = BackendTranslation.Translate(session.MainTurns[0].Body, BackendShape.LmStudioChat);
        var continued = BackendTranslation.Translate(session.MainTurns[^1].Body, BackendShape.LmStudioChat);
        Assert.NotEqual(firstRun.System, continued.System);
        Assert.StartsWith("system prompt differs", PrefixComparison.FindBreak(firstRun, continued));
    }

    public static TheoryData<string, bool> Keys()
    {
        var data = new TheoryData<string, bool>();
        foreach (var key in ClaudeCodeRecordings.Keys)
            data.Add(key.Version, key.Attribution);
        return data;
    }
}
