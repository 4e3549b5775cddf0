using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Benchmark;

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
    /// <summary>The smallest share of its prompt that a turn right after a mode switch got from the cache; null without switches.</summary>
    public double? FirstTurnAfterSwitchReuse { get; init; }

    /// <summary>One line: reuse after each switch and the wait against staying in MlxLm (the two targets).</summary>
    public static string Verdict(IReadOnlyList<ScenarioSummary> summaries)
    {
        var hybrid = summaries.FirstOrDefault(s => s.Scenario == Hybrid);
        var mlx = summaries.FirstOrDefault(s => s.Scenario == SingleMode(BackendMode.MlxLm));
        if (hybrid is null) return "";
        var reuse = hybrid.FirstTurnAfterSwitchReuse is { } r ? $"first turn after each switch reused at least {r:P0} of its prompt from the cache" : "no mode switch";
        var wait = mlx is null || mlx.TotalDuration <= TimeSpan.Zero ? "" :
            $"; the hybrid session's wait was {hybrid.TotalDuration.TotalSeconds:F1} s, {hybrid.TotalDuration / mlx.TotalDuration:F2}x staying in MlxLm ({mlx.TotalDuration.TotalSeconds:F1} s)";
        return reuse + wait;
    }

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
                hybridTotal > 0 ? (double)total / hybridTotal : 0)
            {
                FirstTurnAfterSwitchReuse = g.Zip(g.Skip(1)).Where(p => p.First.Result.Mode != p.Second.Result.Mode)
                    .Select(p => (double?)p.Second.Result.CacheHitRatio).Min(),
            };
        }).ToList();
    }
}
