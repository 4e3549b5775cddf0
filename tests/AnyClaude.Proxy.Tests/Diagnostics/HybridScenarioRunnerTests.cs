using AnyClaude.Diagnostics.Benchmark;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using Xunit;
using static AnyClaude.Proxy.Tests.Diagnostics.DiagnosticsFixtures;

namespace AnyClaude.Proxy.Tests.Diagnostics;

public sealed class HybridScenarioRunnerTests
{
    [Fact]
    public async Task The_hybrid_session_switches_the_proxy_between_backends_and_is_compared_with_single_modes()
    {
        await using var mlx = Fake(FakeFlavor.MlxLm);
        await using var lms = Fake(FakeFlavor.LmStudio);
        var turns = new List<ScenarioTurnResult>();
        await foreach (var t in HybridScenarioRunner.RunAsync(
                           new HybridScenarioOptions { LmStudio = Settings(lms), MlxLm = Settings(mlx), PromptTokens = 3000 }, null, Timeout()))
            turns.Add(t);

        var hybrid = turns.Where(t => t.Scenario == ScenarioSummary.Hybrid).Select(t => t.Result.Mode).ToList();
        Assert.Equal([BackendMode.MlxLm, BackendMode.MlxLm, BackendMode.MlxLm, BackendMode.LmStudio, BackendMode.MlxLm], hybrid);
        Assert.Equal(5, turns.Count(t => t.Scenario == "LmStudio only" && t.Result.Mode == BackendMode.LmStudio));
        Assert.Equal(5, turns.Count(t => t.Scenario == "MlxLm only" && t.Result.Mode == BackendMode.MlxLm));
        // Each turn really reached the backend of its mode (after one max_tokens 1 warm-up per backend).
        Assert.Equal(1 + 4 + 5, mlx.ChatRequests.Count);
        Assert.Equal(1 + 1 + 5, lms.ChatRequests.Count);
        Assert.All([mlx.ChatRequests[0], lms.ChatRequests[0]], r => Assert.Equal(1, r.BodyJson().RootElement.GetProperty("max_tokens").GetInt32()));
        // Back in MlxLm after the edit, the conversation's prefix is still cached there.
        var back = turns.Where(t => t.Scenario == ScenarioSummary.Hybrid).Last();
        Assert.True(back.Result.CacheHitRatio > 0.5, $"{back.Result.CachedTokens}/{back.Result.PromptTokens}");
        // The edit turn carries the edit request to LM Studio.
        Assert.Contains(lms.ChatRequests, q => q.Body.Contains("Now make the change", StringComparison.Ordinal));

        var summaries = ScenarioSummary.From(turns);
        Assert.Equal([ScenarioSummary.Hybrid, "MlxLm only", "LmStudio only"], summaries.Select(s => s.Scenario));
        Assert.Equal(1.0, summaries[0].RelativeToHybrid, 6);
        Assert.Equal("MlxLm → MlxLm → MlxLm → LmStudio → MlxLm", summaries[0].Sequence);
        Assert.All(summaries, s => Assert.Equal(5, s.Turns));
        Assert.All(summaries, s => Assert.True(s.TotalDuration > TimeSpan.Zero));
    }

    [Fact]
    public async Task An_external_proxy_is_switched_through_the_given_switcher()
    {
        await using var mlx = Fake(FakeFlavor.MlxLm);
        await using var lms = Fake(FakeFlavor.LmStudio);
        await using var proxy = AnyClaude.Proxy.Hosting.ProxyServer.Start(new ProxyOptions
        {
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.MlxLm] = Settings(mlx), [BackendMode.LmStudio] = Settings(lms) },
        });
        var switches = new List<BackendMode>();
        var options = new HybridScenarioOptions
        {
            LmStudio = Settings(lms),
            MlxLm = Settings(mlx),
            Proxy = new(proxy.BaseUrl, proxy.Token),
            SwitchMode = (mode, _) => { switches.Add(mode); proxy.SetMode(mode); return Task.CompletedTask; },
            CompareSingleModes = false,
            Sequence = [BackendMode.MlxLm, BackendMode.LmStudio, BackendMode.MlxLm],
            PromptTokens = 1000,
        };
        var turns = new List<ScenarioTurnResult>();
        await foreach (var t in HybridScenarioRunner.RunAsync(options, null, Timeout()))
            turns.Add(t);

        Assert.Equal([BackendMode.MlxLm, BackendMode.LmStudio, BackendMode.MlxLm], switches);
        var records = proxy.GetRecords().Where(r => r.Path.StartsWith("/v1/messages", StringComparison.Ordinal)).ToList();
        // One warm-up per backend (a probe: no conversation for a prewarm), then the turns.
        Assert.Equal([AnyClaude.Proxy.Observability.RequestKind.Probe, AnyClaude.Proxy.Observability.RequestKind.Probe], records.Take(2).Select(r => r.Kind));
        Assert.Equal([BackendMode.MlxLm, BackendMode.LmStudio, BackendMode.MlxLm], records.Skip(2).Select(r => r.Mode));
        Assert.Equal(3, turns.Count);
    }

    /// <summary>The seed's speeds scaled down: a cold Claude Code prompt (~20k tokens) takes ~30 s on a Mac, so
    /// 1500 µs per prompt token; TimeScale keeps the test fast. The assertions are on tokens, not time.</summary>
    private const double TimeScale = 0.01;
    private const double MicrosecondsPerPromptToken = 1500 * TimeScale;

    [Fact]
    public async Task With_think_time_and_prewarm_the_first_turn_after_each_switch_comes_from_the_cache()
    {
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = Model, MicrosecondsPerPromptToken = MicrosecondsPerPromptToken });
        // Real LM Studio reports no cached tokens; this fake does, so the reuse after the switch can be measured.
        await using var lms = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = Model, MicrosecondsPerPromptToken = MicrosecondsPerPromptToken, ReportCachedTokens = true });
        var turns = new List<ScenarioTurnResult>();
        await foreach (var t in HybridScenarioRunner.RunAsync(new HybridScenarioOptions
                       {
                           LmStudio = Settings(lms), MlxLm = Settings(mlx), PromptTokens = 6000, Prewarm = true,
                       }, null, Timeout()))
            turns.Add(t);

        var summaries = ScenarioSummary.From(turns);
        var hybrid = summaries.Single(s => s.Scenario == ScenarioSummary.Hybrid);
        Assert.True(hybrid.FirstTurnAfterSwitchReuse >= 0.9, ScenarioSummary.Verdict(summaries));
        Assert.Contains("first turn after each switch reused at least", ScenarioSummary.Verdict(summaries));
        // Prewarm requests (max_tokens 1, the conversation) went to each switch's target while the user "thought".
        Assert.Equal(1, lms.ChatRequests.Count(IsPrewarm));
        Assert.Equal(1, mlx.ChatRequests.Count(IsPrewarm));
        // The default think time is one cold prefill of the slowest backend: LM Studio's, whose prompt carries the tools.
        var lmsCold = turns.First(t => t.Scenario == "LmStudio only").Result.TimeToFirstToken;
        var mlxCold = turns.First(t => t.Scenario == "MlxLm only").Result.TimeToFirstToken;
        Assert.True(lms.ChatRequests[1].PromptTokens > mlx.ChatRequests[1].PromptTokens, "LM Studio's cold prompt is the larger one");
        Assert.Equal(lmsCold > mlxCold ? lmsCold : mlxCold, hybrid.ThinkTime);
        Assert.All(turns.Where(t => t.Scenario == ScenarioSummary.Hybrid).Skip(1), t => Assert.Equal(hybrid.ThinkTime, t.Result.ThinkTimeBefore));
        Assert.Contains("think time between turns", ScenarioSummary.Verdict(summaries));
        // Never two requests at once on a backend.
        Assert.Equal(1, mlx.MaxConcurrentChatRequests);
        Assert.Equal(1, lms.MaxConcurrentChatRequests);
    }

    private static bool IsPrewarm(RecordedRequest r) =>
        r.BodyJson().RootElement.GetProperty("max_tokens").GetInt32() == 1 && r.BodyJson().RootElement.GetProperty("messages").GetArrayLength() > 1;

    [Fact]
    public async Task Without_prewarm_the_first_turn_after_a_switch_is_cold()
    {
        await using var mlx = Fake(FakeFlavor.MlxLm);
        await using var lms = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = Model, ReportCachedTokens = true });
        var turns = new List<ScenarioTurnResult>();
        await foreach (var t in HybridScenarioRunner.RunAsync(new HybridScenarioOptions
                       {
                           LmStudio = Settings(lms), MlxLm = Settings(mlx), PromptTokens = 6000, CompareSingleModes = false, ThinkTime = TimeSpan.Zero,
                       }, null, Timeout()))
            turns.Add(t);
        Assert.True(ScenarioSummary.From(turns)[0].FirstTurnAfterSwitchReuse < 0.5);
    }
}
