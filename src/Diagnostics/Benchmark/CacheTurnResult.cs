using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>One measured turn. Route is "Proxy" or "Direct"; PromptTokens includes CachedTokens.</summary>
public sealed record CacheTurnResult(
    int Turn,
    BackendMode Mode,
    string Route,
    TimeSpan TimeToFirstToken,
    TimeSpan Duration,
    int PromptTokens,
    int CachedTokens,
    int OutputTokens)
{
    public double CacheHitRatio => PromptTokens > 0 ? (double)CachedTokens / PromptTokens : 0;

    /// <summary>False when the backend's usage carried no cached-token count (LM Studio): CachedTokens is then a
    /// placeholder 0, not a measurement, and EstimatedCachedTokens stands in for it, labelled as an estimate.</summary>
    public bool CachedTokensReported { get; init; } = true;

    /// <summary>Cached tokens inferred from prompt-processing time (turn 1's time per prompt token is the cold rate);
    /// only where CachedTokensReported is false.</summary>
    public int? EstimatedCachedTokens { get; init; }

    /// <summary>The user's think time before this turn was sent (read and typed; not counted as waiting).</summary>
    public TimeSpan ThinkTimeBefore { get; init; }

    /// <summary>The share of the prompt served from the cache: the backend's count, else the estimate; null when neither exists.</summary>
    public double? ReuseRatio => PromptTokens <= 0 ? null
        : CachedTokensReported ? CacheHitRatio
        : EstimatedCachedTokens is { } e ? (double)e / PromptTokens : null;

    /// <summary>Output tokens over the generation phase (after the first token).</summary>
    public double OutputTokensPerSecond
    {
        get
        {
            var generation = Duration - TimeToFirstToken;
            if (generation <= TimeSpan.Zero) generation = Duration;
            return generation > TimeSpan.Zero ? OutputTokens / generation.TotalSeconds : 0;
        }
    }
}
