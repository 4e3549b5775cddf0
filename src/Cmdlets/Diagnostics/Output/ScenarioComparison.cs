using AnyClaude.Diagnostics.Benchmark;

namespace AnyClaude.Cmdlets.Diagnostics;

/// <summary>One scenario's totals (ms). RelativeToHybrid: this scenario's total time ÷ the hybrid session's.</summary>
public sealed class ScenarioComparison
{
    public required string Scenario { get; init; }
    public required string Sequence { get; init; }
    public int Turns { get; init; }
    public double TotalDuration { get; init; }
    public double TotalTimeToFirstToken { get; init; }
    public double RelativeToHybrid { get; init; }
    /// <summary>The smallest share of its prompt a turn right after a mode switch got from the cache; null without switches.</summary>
    public double? FirstTurnAfterSwitchReuse { get; init; }
    /// <summary>True when that reuse is estimated from prefill time (a backend that reports no cached tokens, LM Studio).</summary>
    public bool FirstTurnAfterSwitchReuseEstimated { get; init; }
    /// <summary>The think time between turns (ms), not counted in TotalDuration.</summary>
    public double ThinkTime { get; init; }
    /// <summary>On the hybrid row: reuse after each switch and the wait against staying in MlxLm, in one line.</summary>
    public string? Verdict { get; init; }

    internal static ScenarioComparison From(ScenarioSummary s, string? verdict = null) => new()
    {
        FirstTurnAfterSwitchReuse = s.FirstTurnAfterSwitchReuse is { } r ? Math.Round(r, 3) : null,
        FirstTurnAfterSwitchReuseEstimated = s.FirstTurnAfterSwitchReuseEstimated,
        ThinkTime = CacheTurn.Ms(s.ThinkTime),
        Verdict = verdict,
        Scenario = s.Scenario,
        Sequence = s.Sequence,
        Turns = s.Turns,
        TotalDuration = CacheTurn.Ms(s.TotalDuration),
        TotalTimeToFirstToken = CacheTurn.Ms(s.TotalTimeToFirstToken),
        RelativeToHybrid = Math.Round(s.RelativeToHybrid, 2),
    };
}
