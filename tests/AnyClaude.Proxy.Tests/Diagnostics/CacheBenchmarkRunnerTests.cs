using AnyClaude.Diagnostics;
using AnyClaude.Diagnostics.Benchmark;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using Xunit;
using static AnyClaude.Proxy.Tests.Diagnostics.DiagnosticsFixtures;

namespace AnyClaude.Proxy.Tests.Diagnostics;

public sealed class CacheBenchmarkRunnerTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MLX_LM_follow_ups_are_served_from_the_cache(bool direct)
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        var (turns, summary) = await CacheBenchmarkRunner.RunAllAsync(
            new CacheBenchmarkOptions { Backend = Settings(fake), Direct = direct, Turns = 4 }, Timeout());

        Assert.Equal([1, 2, 3, 4], turns.Select(t => t.Turn));
        Assert.All(turns, t => Assert.Equal(direct ? "Direct" : "Proxy", t.Route));
        Assert.Equal(0, turns[0].CachedTokens);
        // MlxLm sends no tools: the prompt is the system text (Claude Code's system + environment) plus the turns.
        Assert.InRange(turns[0].PromptTokens, ClaudeCodeFootprint.SystemTokens / 2, ClaudeCodeFootprint.SystemTokens * 2);
        Assert.All(turns.Skip(1), t => Assert.True(t.CacheHitRatio > 0.8, $"turn {t.Turn}: {t.CachedTokens}/{t.PromptTokens}"));
        Assert.All(turns, t => Assert.True(t.TimeToFirstToken > TimeSpan.Zero && t.Duration >= t.TimeToFirstToken));
        Assert.True(summary.HitRatio > 0.8);
        Assert.Equal(BackendMode.MlxLm, summary.Mode);
        Assert.Equal(4, summary.Turns);
        // Each turn extends the previous prompt, as Claude Code's turns do.
        Assert.True(turns.Zip(turns.Skip(1)).All(p => p.Second.PromptTokens > p.First.PromptTokens));
        Assert.Equal(4, fake.ChatRequests.Count);
    }

    [Fact]
    public async Task LM_Studio_turns_carry_Claude_Code_sized_tools_through_the_proxy()
    {
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, ReportCachedTokens = true });
        var (turns, _) = await CacheBenchmarkRunner.RunAllAsync(new CacheBenchmarkOptions { Backend = Settings(fake), Turns = 2 }, Timeout());

        using var body = fake.ChatRequests[0].BodyJson();
        Assert.Equal(ToolCatalog.Names.Count, body.RootElement.GetProperty("tools").GetArrayLength());
        Assert.InRange(turns[0].PromptTokens, ClaudeCodeFootprint.TotalTokens / 2, ClaudeCodeFootprint.TotalTokens * 2);
        Assert.True(turns[1].CacheHitRatio > 0.8);
    }

    [Fact]
    public async Task LM_Studio_direct_turns_have_no_cached_count_but_an_estimate_from_prefill_time()
    {
        // LM Studio reports no cached tokens (the fake's default for it); its one slot still caches the prefix.
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, MicrosecondsPerPromptToken = 500 });
        var (turns, summary) = await CacheBenchmarkRunner.RunAllAsync(
            new CacheBenchmarkOptions { Backend = Settings(fake), Direct = true, Turns = 3, PromptTokens = 2000 }, Timeout());

        Assert.All(turns, t => Assert.False(t.CachedTokensReported));
        Assert.Equal(0, turns[0].EstimatedCachedTokens); // turn 1 is cold by construction: it sets the rate
        Assert.All(turns.Skip(1), t => Assert.True(t.EstimatedCachedTokens > t.PromptTokens / 2, $"turn {t.Turn}: ~{t.EstimatedCachedTokens}/{t.PromptTokens}"));
        Assert.False(summary.HitRatioReported);
        Assert.True(summary.EstimatedHitRatio > 0.5, $"{summary.EstimatedHitRatio}");
    }

    [Fact]
    public async Task LM_Studio_turns_through_the_private_proxy_have_no_cached_count_but_an_estimate()
    {
        // The proxy writes cache_read_input_tokens 0 for Claude Code; its record knows LM Studio reported none.
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, MicrosecondsPerPromptToken = 500 });
        var (turns, summary) = await CacheBenchmarkRunner.RunAllAsync(
            new CacheBenchmarkOptions { Backend = Settings(fake), Turns = 3, PromptTokens = 2000 }, Timeout());

        Assert.All(turns, t => Assert.Equal("Proxy", t.Route));
        Assert.All(turns, t => Assert.False(t.CachedTokensReported, $"turn {t.Turn} shows {t.CachedTokens} cached tokens as a measurement"));
        Assert.All(turns.Skip(1), t => Assert.True(t.EstimatedCachedTokens > t.PromptTokens / 2, $"turn {t.Turn}: ~{t.EstimatedCachedTokens}/{t.PromptTokens}"));
        Assert.False(summary.HitRatioReported);
        Assert.NotNull(summary.EstimatedHitRatio);
    }

    [Fact]
    public async Task LM_Studio_turns_through_a_running_in_process_proxy_have_no_cached_count()
    {
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, MicrosecondsPerPromptToken = 500 });
        await using var proxy = AnyClaude.Proxy.Hosting.ProxyServer.Start(new ProxyOptions
        {
            Mode = BackendMode.LmStudio,
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.LmStudio] = Settings(fake) },
        });
        var (turns, summary) = await CacheBenchmarkRunner.RunAllAsync(
            new CacheBenchmarkOptions { Backend = Settings(fake), Proxy = ProxyEndpoint.For(proxy), Turns = 2, PromptTokens = 2000 }, Timeout());

        Assert.All(turns, t => Assert.False(t.CachedTokensReported));
        Assert.False(summary.HitRatioReported);
        // What Claude Code gets stays valid Anthropic usage: the count is there (0), only the benchmark knows it is no report.
        Assert.Contains(proxy.GetRecords(), r => r.Kind == AnyClaude.Proxy.Observability.RequestKind.Main && r.CachedTokens is null);
    }

    [Fact]
    public async Task MLX_LM_turns_through_the_proxy_keep_the_backends_own_counts()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        var (turns, summary) = await CacheBenchmarkRunner.RunAllAsync(
            new CacheBenchmarkOptions { Backend = Settings(fake), Turns = 3, PromptTokens = 2000 }, Timeout());

        Assert.All(turns, t => Assert.True(t.CachedTokensReported));
        Assert.All(turns, t => Assert.Null(t.EstimatedCachedTokens));
        Assert.True(summary.HitRatio > 0.8);
    }

    [Fact]
    public async Task MLX_LM_direct_turns_keep_the_backends_own_counts_and_no_estimate()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        var (turns, summary) = await CacheBenchmarkRunner.RunAllAsync(
            new CacheBenchmarkOptions { Backend = Settings(fake), Direct = true, Turns = 3, PromptTokens = 2000 }, Timeout());

        Assert.All(turns, t => Assert.True(t.CachedTokensReported));
        Assert.All(turns, t => Assert.Null(t.EstimatedCachedTokens));
        Assert.True(summary.HitRatioReported);
        Assert.Null(summary.EstimatedHitRatio);
        Assert.True(summary.HitRatio > 0.8);
    }

    [Fact]
    public async Task A_cache_that_does_not_work_shows_zero_hits()
    {
        await using var fake = Fake(FakeFlavor.MlxLm, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, DisableCache = true });
        var (turns, summary) = await CacheBenchmarkRunner.RunAllAsync(
            new CacheBenchmarkOptions { Backend = Settings(fake), Turns = 3, PromptTokens = 2000 }, Timeout());

        Assert.All(turns, t => Assert.Equal(0, t.CachedTokens));
        Assert.Equal(0, summary.HitRatio);
    }

    [Fact]
    public async Task Each_run_starts_cold_even_when_an_earlier_run_warmed_the_cache()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        var options = new CacheBenchmarkOptions { Backend = Settings(fake), Direct = true, Turns = 2, PromptTokens = 2000 };
        await CacheBenchmarkRunner.RunAllAsync(options, Timeout());
        var (second, _) = await CacheBenchmarkRunner.RunAllAsync(options, Timeout());

        Assert.True(second[0].CacheHitRatio < 0.1, $"{second[0].CachedTokens}/{second[0].PromptTokens}");
    }

    [Fact]
    public async Task A_backend_that_is_down_fails_the_first_turn_with_a_clear_message()
    {
        var ex = await Assert.ThrowsAsync<BenchmarkException>(() =>
            CacheBenchmarkRunner.RunAllAsync(new CacheBenchmarkOptions { Backend = Down(BackendMode.MlxLm), Direct = true, PromptTokens = 500 }, Timeout()));
        Assert.Contains("turn 1 (MlxLm, Direct)", ex.Message);
    }

    [Fact]
    public async Task A_backend_error_through_the_proxy_fails_the_turn()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        var ex = await Assert.ThrowsAsync<BenchmarkException>(() => CacheBenchmarkRunner.RunAllAsync(
            new CacheBenchmarkOptions { Backend = Settings(fake, model: "not-the-loaded-model"), Turns = 2, PromptTokens = 500 }, Timeout()));
        Assert.Contains("turn 1 (MlxLm, Proxy)", ex.Message);
    }

    [Fact]
    public async Task Cancelling_stops_the_benchmark_between_turns()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        using var cts = new CancellationTokenSource();
        var seen = new List<CacheTurnResult>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var turn in CacheBenchmarkRunner.RunAsync(
                               new CacheBenchmarkOptions { Backend = Settings(fake), Direct = true, Turns = 5, PromptTokens = 500 }, null, cts.Token))
            {
                seen.Add(turn);
                cts.Cancel();
            }
        });
        Assert.Single(seen);
        Assert.Single(fake.ChatRequests);
    }

    [Fact]
    public void The_summary_compares_the_cold_turn_with_the_median_warm_turn()
    {
        static CacheTurnResult Turn(int n, int ttftMs, int prompt, int cached) =>
            new(n, BackendMode.MlxLm, "Proxy", TimeSpan.FromMilliseconds(ttftMs), TimeSpan.FromMilliseconds(ttftMs + 100), prompt, cached, 10);

        var summary = CacheBenchmarkSummary.From([Turn(1, 1000, 100, 0), Turn(2, 40, 200, 100), Turn(3, 10, 300, 200), Turn(4, 20, 500, 400)]);

        Assert.Equal(TimeSpan.FromMilliseconds(1000), summary.ColdTimeToFirstToken);
        Assert.Equal(TimeSpan.FromMilliseconds(20), summary.WarmTimeToFirstToken);
        Assert.Equal(50, summary.Speedup, 6);
        Assert.Equal(700.0 / 1000, summary.HitRatio, 6);
        Assert.Equal(TimeSpan.FromMilliseconds(1070 + 400), summary.TotalDuration);
    }

    [Fact]
    public void Turn_figures_are_derived_from_the_measurement()
    {
        var turn = new CacheTurnResult(2, BackendMode.LmStudio, "Direct", TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(2500), 1000, 250, 100);
        Assert.Equal(0.25, turn.CacheHitRatio, 6);
        Assert.Equal(50, turn.OutputTokensPerSecond, 6);
    }
}
