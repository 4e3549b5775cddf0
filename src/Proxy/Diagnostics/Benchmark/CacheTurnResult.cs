using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Diagnostics.Benchmark;

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
