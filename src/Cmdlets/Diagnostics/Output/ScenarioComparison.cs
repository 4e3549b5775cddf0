using AnyClaude.Proxy.Diagnostics.Benchmark;

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

    internal static ScenarioComparison From(ScenarioSummary s) => new()
    {
        Scenario = s.Scenario,
        Sequence = s.Sequence,
        Turns = s.Turns,
        TotalDuration = CacheTurn.Ms(s.TotalDuration),
        TotalTimeToFirstToken = CacheTurn.Ms(s.TotalTimeToFirstToken),
        RelativeToHybrid = Math.Round(s.RelativeToHybrid, 2),
    };
}
