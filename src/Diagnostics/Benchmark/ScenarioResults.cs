using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>One turn of one scenario run.</summary>
public sealed record ScenarioTurnResult(string Scenario, CacheTurnResult Result);

/// <summary>A scenario's totals; RelativeToHybrid is this scenario's total time over the hybrid session's.
/// TotalDuration is the user's wait: each turn from sending the prompt to the answer's end, think time excluded.</summary>
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

    /// <summary>True when a backend reported no cached tokens (LM Studio) for such a turn: the reuse is estimated from prefill time.</summary>
    public bool FirstTurnAfterSwitchReuseEstimated { get; init; }

    /// <summary>The think time before each turn after the first (not counted as waiting).</summary>
    public TimeSpan ThinkTime { get; init; }

    /// <summary>One line: reuse after each switch and the wait against staying in MlxLm (the issue's two targets).</summary>
    public static string Verdict(IReadOnlyList<ScenarioSummary> summaries)
    {
        var hybrid = summaries.FirstOrDefault(s => s.Scenario == Hybrid);
        var mlx = summaries.FirstOrDefault(s => s.Scenario == SingleMode(BackendMode.MlxLm));
        if (hybrid is null) return "";
        var reuse = hybrid.FirstTurnAfterSwitchReuse is { } r
            ? $"first turn after each switch reused at least {r:P0} of its prompt from the cache{(hybrid.FirstTurnAfterSwitchReuseEstimated ? " (estimated from prefill time)" : "")}"
            : "no mode switch";
        var wait = mlx is null || mlx.TotalDuration <= TimeSpan.Zero ? "" :
            $"; the hybrid session's wait was {hybrid.TotalDuration.TotalSeconds:F1} s, {hybrid.TotalDuration / mlx.TotalDuration:F2}x staying in MlxLm ({mlx.TotalDuration.TotalSeconds:F1} s)";
        var think = hybrid.ThinkTime > TimeSpan.Zero ? $", with {hybrid.ThinkTime.TotalSeconds:F1} s think time between turns" : "";
        return reuse + wait + think;
    }

    public const string Hybrid = "Hybrid";

    public static string SingleMode(BackendMode mode) => $"{mode} only";

    /// <summary>Totals per scenario: the hybrid session first, then the single modes in the order they ran.</summary>
    public static IReadOnlyList<ScenarioSummary> From(IReadOnlyList<ScenarioTurnResult> turns)
    {
        var groups = turns.GroupBy(t => t.Scenario).OrderBy(g => g.Key == Hybrid ? 0 : 1).ToList();
        var hybridTotal = groups.FirstOrDefault(g => g.Key == Hybrid)?.Sum(t => t.Result.Duration.Ticks) ?? 0;
        return groups.Select(g =>
        {
            var total = g.Sum(t => t.Result.Duration.Ticks);
            var afterSwitch = g.Zip(g.Skip(1)).Where(p => p.First.Result.Mode != p.Second.Result.Mode).Select(p => p.Second.Result).ToList();
            return new ScenarioSummary(
                g.Key,
                string.Join(" → ", g.Select(t => t.Result.Mode)),
                g.Count(),
                TimeSpan.FromTicks(total),
                TimeSpan.FromTicks(g.Sum(t => t.Result.TimeToFirstToken.Ticks)),
                hybridTotal > 0 ? (double)total / hybridTotal : 0)
            {
                FirstTurnAfterSwitchReuse = afterSwitch.Count == 0 ? null : afterSwitch.Min(t => t.ReuseRatio ?? 0),
                FirstTurnAfterSwitchReuseEstimated = afterSwitch.Any(t => !t.CachedTokensReported),
                ThinkTime = g.Skip(1).Select(t => t.Result.ThinkTimeBefore).DefaultIfEmpty(TimeSpan.Zero).Max(),
            };
        }).ToList();
    }
}
