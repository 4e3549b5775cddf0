using Xunit;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Diagnostics.Benchmark;
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
        // Each turn really reached the backend of its mode.
        Assert.Equal(4 + 5, mlx.ChatRequests.Count);
        Assert.Equal(1 + 5, lms.ChatRequests.Count);
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
        Assert.Equal([BackendMode.MlxLm, BackendMode.LmStudio, BackendMode.MlxLm], proxy.GetRecords().Where(r => r.Path.StartsWith("/v1/messages")).Select(r => r.Mode));
        Assert.Equal(3, turns.Count);
    }
}
