using AnyClaude.Proxy.Diagnostics.Benchmark;

namespace AnyClaude.Cmdlets.Diagnostics;

/// <summary>One benchmark turn. Times are milliseconds (doubles), so rows export cleanly to CSV and JSON.</summary>
public sealed class CacheTurn
{
    public required int Turn { get; init; }
    public required string Mode { get; init; }
    /// <summary>"Proxy" (as Claude Code uses it) or "Direct" (straight at the backend).</summary>
    public required string Route { get; init; }
    /// <summary>Milliseconds from sending the request to the first token.</summary>
    public double TimeToFirstToken { get; init; }
    /// <summary>Milliseconds from sending the request to the end of the answer.</summary>
    public double Duration { get; init; }
    /// <summary>All prompt tokens, cached ones included.</summary>
    public int PromptTokens { get; init; }
    public int CachedTokens { get; init; }
    public double CacheHitRatio { get; init; }
    public int OutputTokens { get; init; }
    public double OutputTokensPerSecond { get; init; }
    /// <summary>Set for scenario runs ("Hybrid", "MlxLm only", ...); null for a plain benchmark.</summary>
    public string? Scenario { get; init; }

    internal static CacheTurn From(CacheTurnResult r, string? scenario = null) => new()
    {
        Turn = r.Turn,
        Mode = r.Mode.ToString(),
        Route = r.Route,
        TimeToFirstToken = Ms(r.TimeToFirstToken),
        Duration = Ms(r.Duration),
        PromptTokens = r.PromptTokens,
        CachedTokens = r.CachedTokens,
        CacheHitRatio = Math.Round(r.CacheHitRatio, 4),
        OutputTokens = r.OutputTokens,
        OutputTokensPerSecond = Math.Round(r.OutputTokensPerSecond, 1),
        Scenario = scenario,
    };

    internal static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 1);
}
