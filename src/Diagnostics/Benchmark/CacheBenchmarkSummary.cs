using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>What the cache bought over one run: cold first turn against the median warm turn.</summary>
public sealed record CacheBenchmarkSummary(
    BackendMode Mode,
    string Route,
    int Turns,
    TimeSpan ColdTimeToFirstToken,
    TimeSpan WarmTimeToFirstToken,
    double Speedup,
    double HitRatio,
    TimeSpan TotalDuration)
{
    /// <summary>False when a warm turn's backend reported no cached tokens (LM Studio): HitRatio is then no measurement.</summary>
    public bool HitRatioReported { get; init; } = true;

    /// <summary>Estimated cached ÷ prompt tokens over turns 2..N, from prompt-processing time; only where HitRatioReported is false.</summary>
    public double? EstimatedHitRatio { get; init; }

    /// <summary>Summarises turns of one run; turn 1 is cold, the rest warm. HitRatio is over the warm turns.</summary>
    public static CacheBenchmarkSummary From(IReadOnlyList<CacheTurnResult> turns)
    {
        if (turns.Count == 0) throw new ArgumentException("no turns to summarise", nameof(turns));
        var cold = turns[0];
        var warm = turns.Skip(1).ToList();
        var warmTtft = warm.Count == 0 ? cold.TimeToFirstToken : Median(warm.Select(t => t.TimeToFirstToken));
        var prompt = warm.Sum(t => (long)t.PromptTokens);
        var hit = prompt > 0 ? (double)warm.Sum(t => (long)t.CachedTokens) / prompt : 0;
        var speedup = warmTtft > TimeSpan.Zero ? cold.TimeToFirstToken / warmTtft : 0;
        var reported = warm.All(t => t.CachedTokensReported) && cold.CachedTokensReported;
        double? estimated = reported || prompt == 0 ? null : (double)warm.Sum(t => (long)(t.EstimatedCachedTokens ?? 0)) / prompt;
        return new CacheBenchmarkSummary(cold.Mode, cold.Route, turns.Count, cold.TimeToFirstToken, warmTtft,
            speedup, hit, TimeSpan.FromTicks(turns.Sum(t => t.Duration.Ticks)))
        {
            HitRatioReported = reported,
            EstimatedHitRatio = estimated,
        };
    }

    internal static TimeSpan Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
