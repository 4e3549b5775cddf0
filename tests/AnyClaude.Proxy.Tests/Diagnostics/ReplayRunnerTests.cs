using System.Text.Json.Nodes;
using AnyClaude.Diagnostics.Benchmark;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Tests.ClaudeCode.Cli;
using Xunit;
using static AnyClaude.Proxy.Tests.Diagnostics.DiagnosticsFixtures;

namespace AnyClaude.Proxy.Tests.Diagnostics;

/// <summary>Measure-AnyClaudeCache -Replay's engine: a session recorded at TraceLevel.Replay, replayed against fake backends
/// whose prefix caches are modelled on LM Studio's one llama.cpp slot and mlx_lm.server's LRU prompt cache.</summary>
public sealed class ReplayRunnerTests : IDisposable
{
    private readonly string _trace = Path.Combine(Path.GetTempPath(), $"anyclaude-replay-{Guid.NewGuid():N}.jsonl");

    public void Dispose() => File.Delete(_trace);

    private async Task<IReadOnlyList<ReplayRequest>> RecordedSessionAsync()
    {
        await ReplaySessions.RecordAsync(_trace, promptTokens: 6000);
        return ReplayTrace.Read(_trace);
    }

    private static async Task<List<ReplayRequestResult>> ReplayAsync(ReplayOptions options)
    {
        var results = new List<ReplayRequestResult>();
        await foreach (var r in ReplayRunner.RunAsync(options, null, Timeout())) results.Add(r);
        return results;
    }

    /// <summary>What the fake backend itself processed: prompt tokens less cached ones, over every request it served.</summary>
    private static long BackendPrefill(FakeOpenAiServer fake) => fake.ChatRequests.Sum(r => (long)(r.PromptTokens!.Value - r.CachedTokens!.Value));

    /// <summary>First main prompt plus each later main turn's growth, from the backend's own token counts.</summary>
    private static long BackendMinimum(FakeOpenAiServer fake)
    {
        var main = fake.ChatRequests.Where(r => !r.Body.Contains("sentence-case title", StringComparison.Ordinal)).Select(r => r.PromptTokens!.Value).ToList();
        return main[0] + main.Zip(main.Skip(1), (a, b) => (long)Math.Max(0, b - a)).Sum();
    }

    [Fact]
    public async Task The_trace_gives_the_requests_in_order_with_their_kinds_and_Claude_Codes_own_bodies()
    {
        var requests = await RecordedSessionAsync();
        Assert.Equal(ReplaySessions.Kinds, requests.Select(r => r.Kind.ToString()));
        Assert.Equal(Enumerable.Range(1, 7), requests.Select(r => r.Index));
        Assert.All(requests, r => Assert.Equal(ReplaySessions.SessionId, r.SessionId));
        Assert.Equal(AnyClaude.Proxy.Classification.RoleModelIds.Background, requests[0].RequestedModel);
        Assert.Equal("claude-sonnet-4-5", requests[1].RequestedModel);
        Assert.Equal("tool_use", requests[2].Body["messages"]![1]!["content"]![1]!["type"]!.GetValue<string>());
        Assert.Contains("My proxy token is [REDACTED]", requests[1].Body.ToJsonString());
    }

    [Fact]
    public async Task Title_requests_before_each_prompt_cost_a_one_slot_LM_Studio_its_cache_while_MLX_LM_stays_near_the_minimum()
    {
        var requests = await RecordedSessionAsync();
        await using var lms = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, ReportCachedTokens = true });
        await using var mlx = Fake(FakeFlavor.MlxLm);
        var forward = BackgroundPolicy.Forward;
        var results = await ReplayAsync(new ReplayOptions
        {
            Requests = requests,
            Modes = [BackendMode.LmStudio, BackendMode.MlxLm],
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = Settings(lms) with { BackgroundRequests = forward },
                [BackendMode.MlxLm] = Settings(mlx) with { BackgroundRequests = forward },
            },
        });

        Assert.Equal(14, results.Count);
        Assert.Equal([.. Enumerable.Repeat(BackendMode.LmStudio, 7), .. Enumerable.Repeat(BackendMode.MlxLm, 7)], results.Select(r => r.Mode));
        Assert.Equal([.. ReplaySessions.Kinds, .. ReplaySessions.Kinds], results.Select(r => r.Kind.ToString()));
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.All(results, r => Assert.Equal("Proxy", r.Route));
        Assert.All(results, r => Assert.NotNull(r.TimeToFirstToken));
        // Every request reached its mode's backend, streaming, max_tokens capped for a prefill measurement.
        Assert.Equal(7, lms.ChatRequests.Count);
        Assert.Equal(7, mlx.ChatRequests.Count);
        Assert.All(lms.ChatRequests.Concat(mlx.ChatRequests), r => Assert.Equal(64, r.BodyJson().RootElement.GetProperty("max_tokens").GetInt32()));

        var lmSummary = ReplaySummary.From(results.Where(r => r.Mode == BackendMode.LmStudio).ToList());
        var mlxSummary = ReplaySummary.From(results.Where(r => r.Mode == BackendMode.MlxLm).ToList());
        // The figures are the backends' own: what each processed, against the minimum a perfect prefix cache allows.
        Assert.Equal(BackendPrefill(lms), lmSummary.TotalPrefillTokens);
        Assert.Equal(BackendPrefill(mlx), mlxSummary.TotalPrefillTokens);
        Assert.Equal(BackendMinimum(lms), lmSummary.MinimumPrefillTokens);
        Assert.Equal(BackendMinimum(mlx), mlxSummary.MinimumPrefillTokens);
        Assert.False(lmSummary.PrefillEstimated);

        // The observation: with a title request before every prompt, one slot processes the main turns
        // after a title cold (3 of 4 here); mlx's LRU keeps the conversation.
        Assert.True(lmSummary.PrefillRatio > 2.5, lmSummary.Line);
        Assert.True(mlxSummary.PrefillRatio < 1.1, mlxSummary.Line);
        var coldMain = results.Where(r => r.Mode == BackendMode.LmStudio && r.Kind == RequestKind.Main).Select(r => r.CachedTokens).ToList();
        // After a title only the chat template's opening matches; the tool round trip right after turn 1 is warm.
        Assert.All(coldMain.Where((_, i) => i != 1), c => Assert.True(c < 16, $"cached {c} after a title"));
        Assert.True(coldMain[1] > 1000, $"cached {coldMain[1]} in the tool round trip");

        Assert.Equal([RequestKind.Main, RequestKind.Background], lmSummary.Kinds.Select(k => k.Kind));
        Assert.Equal([4, 3], lmSummary.Kinds.Select(k => k.Count));
        Assert.StartsWith($"LmStudio (Proxy): prefill {lmSummary.TotalPrefillTokens:N0} tokens = ", lmSummary.Line);
        Assert.Contains($"the minimum {lmSummary.MinimumPrefillTokens:N0}", lmSummary.Line);
        Assert.Contains("Main 4: ", lmSummary.Line);
        Assert.Contains("Background 3: ", lmSummary.Line);
    }

    [Fact]
    public async Task Titles_answered_by_the_proxy_keep_a_one_slot_backend_on_the_main_conversation()
    {
        var requests = await RecordedSessionAsync();
        await using var lms = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, ReportCachedTokens = true });
        var results = await ReplayAsync(new ReplayOptions
        {
            Requests = requests,
            Modes = [BackendMode.LmStudio],
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.LmStudio] = Settings(lms) with { BackgroundRequests = BackgroundPolicy.AnswerLocally } },
        });
        var summary = ReplaySummary.From(results);
        Assert.Equal(4, lms.ChatRequests.Count);
        Assert.All(results.Where(r => r.Kind == RequestKind.Background), r => { Assert.True(r.AnsweredByProxy); Assert.Equal(0, r.PrefillTokens); });
        Assert.Equal(BackendPrefill(lms), summary.TotalPrefillTokens);
        Assert.True(summary.PrefillRatio <= 1.01, summary.Line);
    }

    [Fact]
    public async Task Where_the_backend_reports_no_cached_tokens_they_are_null_and_an_estimate_is_labelled()
    {
        var requests = await RecordedSessionAsync();
        await using var lms = Fake(FakeFlavor.LmStudio); // LM Studio: no cached-token figure in its usage
        var results = await ReplayAsync(new ReplayOptions
        {
            Requests = requests,
            Modes = [BackendMode.LmStudio],
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.LmStudio] = Settings(lms) with { BackgroundRequests = BackgroundPolicy.Forward } },
        });
        Assert.All(results, r => Assert.Null(r.CachedTokens));
        Assert.All(results, r => Assert.NotNull(r.EstimatedCachedTokens));
        Assert.All(results, r => Assert.True(r.PrefillEstimated));
        var summary = ReplaySummary.From(results);
        Assert.True(summary.PrefillEstimated);
        Assert.Contains(" tokens (est.) = ", summary.Line);
    }

    [Fact]
    public async Task Direct_sends_the_engines_translation_of_each_recorded_request_straight_to_the_backend()
    {
        var requests = await RecordedSessionAsync();
        await using var viaProxy = Fake(FakeFlavor.MlxLm);
        await using var direct = Fake(FakeFlavor.MlxLm);
        var proxied = await ReplayAsync(new ReplayOptions
        {
            Requests = requests, Modes = [BackendMode.MlxLm],
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.MlxLm] = Settings(viaProxy) with { BackgroundRequests = BackgroundPolicy.Forward } },
        });
        var straight = await ReplayAsync(new ReplayOptions
        {
            Requests = requests, Modes = [BackendMode.MlxLm], Direct = true,
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.MlxLm] = Settings(direct) },
        });
        Assert.All(straight, r => Assert.Equal("Direct", r.Route));
        Assert.All(straight, r => Assert.Null(r.Error));
        Assert.Equal(7, direct.ChatRequests.Count);
        // The same translator: the backend sees the same prompts either way.
        Assert.Equal(viaProxy.ChatRequests.Select(r => r.PromptTokens), direct.ChatRequests.Select(r => r.PromptTokens));
        Assert.Equal(proxied.Select(r => r.PromptTokens), straight.Select(r => r.PromptTokens));
        Assert.Equal(BackendPrefill(direct), ReplaySummary.From(straight).TotalPrefillTokens);
        Assert.Equal(ReplaySummary.From(proxied).MinimumPrefillTokens, ReplaySummary.From(straight).MinimumPrefillTokens);
    }

    [Fact]
    public async Task A_second_replay_starts_as_cold_as_the_first_and_within_a_run_the_cache_works_as_in_the_session()
    {
        var requests = await RecordedSessionAsync();
        await using var mlx = Fake(FakeFlavor.MlxLm);
        var options = new ReplayOptions
        {
            Requests = requests, Modes = [BackendMode.MlxLm],
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.MlxLm] = Settings(mlx) with { BackgroundRequests = BackgroundPolicy.Forward } },
        };
        var first = ReplaySummary.From(await ReplayAsync(options));
        var second = ReplaySummary.From(await ReplayAsync(options));
        // Without the run's mark the second replay found the whole session in mlx's cache (prefill ~0.01x the minimum).
        // (Only the titles' instructions, marked at their end, can come from the earlier run.)
        Assert.InRange(second.TotalPrefillTokens, first.TotalPrefillTokens * 95 / 100, first.TotalPrefillTokens);
        Assert.True(second.PrefillRatio > 0.95, second.Line);
        Assert.Equal(14, mlx.ChatRequests.Count);

        // Exactly as recorded when asked: then the earlier run's cache serves it.
        var warm = ReplaySummary.From(await ReplayAsync(options with { ColdStart = false }));
        var again = ReplaySummary.From(await ReplayAsync(options with { ColdStart = false }));
        Assert.True(again.PrefillRatio < 0.1, again.Line);
        Assert.Contains(mlx.ChatRequests.TakeLast(7), r => !r.Body.Contains("[AnyClaude replay", StringComparison.Ordinal));
        Assert.True(warm.TotalPrefillTokens > again.TotalPrefillTokens);
    }

    [Fact]
    public async Task A_backend_that_does_not_answer_fails_the_replay_with_the_request_named()
    {
        var requests = await RecordedSessionAsync();
        var error = await Assert.ThrowsAsync<BenchmarkException>(() => ReplayAsync(new ReplayOptions
        {
            Requests = requests, Modes = [BackendMode.MlxLm], Direct = true,
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.MlxLm] = Down(BackendMode.MlxLm) },
        }));
        Assert.Contains("request 1 (Background, MlxLm, Direct)", error.Message);
    }

    [Fact]
    public void A_missing_file_a_corrupt_line_and_a_trace_without_bodies_get_errors_that_say_so()
    {
        var missing = Assert.Throws<ReplayTraceException>(() => ReplayTrace.Read(_trace + ".missing"));
        Assert.Equal(ReplayTraceProblem.Unreadable, missing.Problem);

        var corrupt = Assert.Throws<ReplayTraceException>(() => ReplayTrace.Parse(["{\"path\":\"/v1/messages\"}", "{not json"], "t.jsonl"));
        Assert.Equal(ReplayTraceProblem.Corrupt, corrupt.Problem);
        Assert.Contains("Line 2", corrupt.Message);

        var foreign = Assert.Throws<ReplayTraceException>(() => ReplayTrace.Parse(["[1,2,3]"], "t.jsonl"));
        Assert.Equal(ReplayTraceProblem.Corrupt, foreign.Problem);

        // A Basic trace: records, no bodies.
        var basic = Assert.Throws<ReplayTraceException>(() => ReplayTrace.Parse(
            ["{\"id\":\"req_1\",\"time\":\"2026-11-30T06:00:00+00:00\",\"path\":\"/v1/messages\",\"kind\":\"Main\",\"mode\":\"LmStudio\",\"status\":200}"], "t.jsonl"));
        Assert.Equal(ReplayTraceProblem.NoBodies, basic.Problem);
        Assert.Contains("-TraceLevel Replay", basic.Message);
    }

    /// <summary>The Pester suite and docs/benchmarks.md replay tests/Pester/Diagnostics/Fixtures/replay-session.jsonl, a trace the
    /// proxy recorded for <see cref="ReplaySessions"/> (ANYCLAUDE_WRITE_REPLAY_FIXTURE=1 records it again). A recording, so it
    /// is checked for what a replay relies on, not against today's workload generator.</summary>
    [Fact]
    public async Task The_checked_in_replay_fixture_is_a_replayable_recording_of_the_synthetic_session()
    {
        var fixture = Path.Combine(RepositoryRoot.Path, "tests", "Pester", "Diagnostics", "Fixtures", "replay-session.jsonl");
        if (Environment.GetEnvironmentVariable("ANYCLAUDE_WRITE_REPLAY_FIXTURE") == "1")
        {
            File.Delete(fixture);
            await ReplaySessions.RecordAsync(fixture);
        }
        var requests = ReplayTrace.Read(fixture);
        Assert.Equal(ReplaySessions.Kinds, requests.Select(r => r.Kind.ToString()));
        Assert.All(requests, r => Assert.Equal(ReplaySessions.SessionId, r.SessionId));
        Assert.All(requests.Where(r => r.Kind == RequestKind.Background), r =>
        {
            Assert.Equal(AnyClaude.Proxy.Classification.RoleModelIds.Background, r.RequestedModel);
            Assert.StartsWith("Generate a concise, sentence-case title", r.Body["system"]![0]!["text"]!.GetValue<string>());
        });
        var main = requests.Where(r => r.Kind == RequestKind.Main).ToList();
        Assert.All(main, r => Assert.True(r.Body["tools"] is JsonArray { Count: > 0 }));
        // Each main turn extends the one before, as a conversation does; the second is the Bash round trip.
        for (var i = 1; i < main.Count; i++)
        {
            var before = (JsonArray)main[i - 1].Body["messages"]!;
            var after = (JsonArray)main[i].Body["messages"]!;
            Assert.True(after.Count > before.Count);
            Assert.Equal(main[i - 1].Body["system"]!.ToJsonString(), main[i].Body["system"]!.ToJsonString());
        }
        Assert.Equal("tool_result", main[1].Body["messages"]![2]!["content"]![0]!["type"]!.GetValue<string>());
        var text = File.ReadAllText(fixture);
        Assert.Contains("My proxy token is [REDACTED]", text);
        Assert.DoesNotContain("x-api-key", text, StringComparison.OrdinalIgnoreCase);
    }

}
