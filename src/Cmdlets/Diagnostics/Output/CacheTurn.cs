using AnyClaude.Diagnostics.Benchmark;

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
    /// <summary>Prompt tokens the backend reports it served from its cache; $null when it reports none (LM Studio).</summary>
    public int? CachedTokens { get; init; }
    /// <summary>CachedTokens / PromptTokens; $null when the backend reports no cached tokens.</summary>
    public double? CacheHitRatio { get; init; }
    /// <summary>An estimate from prompt-processing time (not a backend figure), only where CachedTokens is $null.</summary>
    public int? EstimatedCachedTokens { get; init; }
    /// <summary>Why CachedTokens is $null, when it is.</summary>
    public string? CacheNote { get; init; }
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
        CachedTokens = r.CachedTokensReported ? r.CachedTokens : null,
        CacheHitRatio = r.CachedTokensReported ? Math.Round(r.CacheHitRatio, 4) : null,
        EstimatedCachedTokens = r.CachedTokensReported ? null : r.EstimatedCachedTokens,
        CacheNote = r.CachedTokensReported ? null : NoCachedTokensNote,
        OutputTokens = r.OutputTokens,
        OutputTokensPerSecond = Math.Round(r.OutputTokensPerSecond, 1),
        Scenario = scenario,
    };

    internal const string NoCachedTokensNote =
        "The backend reported no cached tokens (LM Studio never does); EstimatedCachedTokens is inferred from prompt-processing time.";

    internal static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 1);
}
