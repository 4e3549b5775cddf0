using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Diagnostics.Benchmark;

/// <summary>One turn of one scenario run.</summary>
public sealed record ScenarioTurnResult(string Scenario, CacheTurnResult Result);

/// <summary>A scenario's totals; RelativeToHybrid is this scenario's total time over the hybrid session's.</summary>
public sealed record ScenarioSummary(
    string Scenario,
    string Sequence,
    int Turns,
    TimeSpan TotalDuration,
    TimeSpan TotalTimeToFirstToken,
    double RelativeToHybrid)
{
    public const string Hybrid = "Hybrid";

    public static string SingleMode(BackendMode mode) => $"{mode} only";

    /// <summary>Totals per scenario, in the order the scenarios ran.</summary>
    public static IReadOnlyList<ScenarioSummary> From(IReadOnlyList<ScenarioTurnResult> turns)
    {
        var groups = turns.GroupBy(t => t.Scenario).ToList();
        var hybridTotal = groups.FirstOrDefault(g => g.Key == Hybrid)?.Sum(t => t.Result.Duration.Ticks) ?? 0;
        return groups.Select(g =>
        {
            var total = g.Sum(t => t.Result.Duration.Ticks);
            return new ScenarioSummary(
                g.Key,
                string.Join(" → ", g.Select(t => t.Result.Mode)),
                g.Count(),
                TimeSpan.FromTicks(total),
                TimeSpan.FromTicks(g.Sum(t => t.Result.TimeToFirstToken.Ticks)),
                hybridTotal > 0 ? (double)total / hybridTotal : 0);
        }).ToList();
    }
}
