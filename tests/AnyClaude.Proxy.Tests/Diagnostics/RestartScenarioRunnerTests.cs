using AnyClaude.Diagnostics.Benchmark;
using AnyClaude.FakeBackend;
using Xunit;
using static AnyClaude.Proxy.Tests.Diagnostics.DiagnosticsFixtures;

namespace AnyClaude.Proxy.Tests.Diagnostics;

/// <summary>Measure-AnyClaudeCache -Scenario -Restart: the first prompt of a session the backend has never seen, cold
/// and with the warm start's head prewarmed while Claude Code starts and the user types.</summary>
public sealed class RestartScenarioRunnerTests
{
    [Fact]
    public async Task The_warm_start_serves_the_restarted_sessions_first_prompt_from_the_cache_and_cold_does_not()
    {
        await using var mlx = Fake(FakeFlavor.MlxLm);
        var turns = new List<ScenarioTurnResult>();
        await foreach (var t in RestartScenarioRunner.RunAsync(
                           new RestartScenarioOptions { Backend = Settings(mlx), PromptTokens = 3000, TypingTime = TimeSpan.FromMilliseconds(200) }, null, Timeout()))
            turns.Add(t);

        Assert.Equal([RestartScenarioRunner.Cold, RestartScenarioRunner.Warm], turns.Select(t => t.Scenario));
        var cold = turns[0].Result;
        var warm = turns[1].Result;
        Assert.True(cold.CachedTokens < 20, $"cold: {cold.CachedTokens}/{cold.PromptTokens}");
        Assert.True(warm.CacheHitRatio > 0.85, $"warm start: {warm.CachedTokens}/{warm.PromptTokens}");
        // Cold, prewarm (max_tokens 1), warm start's first prompt.
        Assert.Equal(3, mlx.ChatRequests.Count);
        Assert.Equal(1, mlx.ChatRequests[1].BodyJson().RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Contains("with the warm start", RestartScenarioRunner.Verdict(turns), StringComparison.Ordinal);
    }
}
