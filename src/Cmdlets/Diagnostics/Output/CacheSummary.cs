using AnyClaude.Proxy.Diagnostics.Benchmark;

namespace AnyClaude.Cmdlets.Diagnostics;

/// <summary>What the cache bought in one run. Times are milliseconds; Speedup is cold ÷ warm time to first token.</summary>
public sealed class CacheSummary
{
    public required string Mode { get; init; }
    public required string Route { get; init; }
    public int Turns { get; init; }
    /// <summary>Turn 1's time to first token (ms).</summary>
    public double ColdTimeToFirstToken { get; init; }
    /// <summary>The median time to first token of turns 2..N (ms).</summary>
    public double WarmTimeToFirstToken { get; init; }
    public double Speedup { get; init; }
    /// <summary>Cached ÷ prompt tokens over turns 2..N.</summary>
    public double HitRatio { get; init; }
    /// <summary>All turns' durations added up (ms).</summary>
    public double TotalDuration { get; init; }

    internal static CacheSummary From(CacheBenchmarkSummary s) => new()
    {
        Mode = s.Mode.ToString(),
        Route = s.Route,
        Turns = s.Turns,
        ColdTimeToFirstToken = CacheTurn.Ms(s.ColdTimeToFirstToken),
        WarmTimeToFirstToken = CacheTurn.Ms(s.WarmTimeToFirstToken),
        Speedup = Math.Round(s.Speedup, 2),
        HitRatio = Math.Round(s.HitRatio, 4),
        TotalDuration = CacheTurn.Ms(s.TotalDuration),
    };
}
