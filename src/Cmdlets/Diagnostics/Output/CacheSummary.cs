using AnyClaude.Diagnostics.Benchmark;

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
    /// <summary>Cached ÷ prompt tokens over turns 2..N; $null when the backend reports no cached tokens (LM Studio).</summary>
    public double? HitRatio { get; init; }
    /// <summary>Estimated cached ÷ prompt tokens over turns 2..N, from prompt-processing time; only where HitRatio is $null.</summary>
    public double? EstimatedHitRatio { get; init; }
    /// <summary>Why HitRatio is $null, when it is.</summary>
    public string? CacheNote { get; init; }
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
        HitRatio = s.HitRatioReported ? Math.Round(s.HitRatio, 4) : null,
        EstimatedHitRatio = s.HitRatioReported || s.EstimatedHitRatio is not { } e ? null : Math.Round(e, 4),
        CacheNote = s.HitRatioReported ? null : CacheTurn.NoCachedTokensNote.Replace("EstimatedCachedTokens", "EstimatedHitRatio", StringComparison.Ordinal),
        TotalDuration = CacheTurn.Ms(s.TotalDuration),
    };
}
