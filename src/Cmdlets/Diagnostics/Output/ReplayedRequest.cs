using AnyClaude.Diagnostics.Benchmark;

namespace AnyClaude.Cmdlets.Diagnostics;

/// <summary>One recorded request replayed in one mode (Measure-AnyClaudeCache -Replay). Times are milliseconds.</summary>
public sealed class ReplayedRequest
{
    public required string Mode { get; init; }
    /// <summary>"Proxy" (a private proxy in that mode) or "Direct" (straight at the backend).</summary>
    public required string Route { get; init; }
    /// <summary>The request's place in the recorded session (1 = first sent).</summary>
    public int Index { get; init; }
    /// <summary>Main, Background, SubAgent, Probe: as the proxy classified it when it was recorded.</summary>
    public required string Kind { get; init; }
    /// <summary>Milliseconds from sending the request to the first token; $null when none came.</summary>
    public double? TimeToFirstToken { get; init; }
    public double Duration { get; init; }
    /// <summary>All prompt tokens, cached ones included.</summary>
    public int PromptTokens { get; init; }
    /// <summary>Prompt tokens the backend reports it served from its cache; $null when it reports none (LM Studio).</summary>
    public int? CachedTokens { get; init; }
    /// <summary>An estimate from prompt-processing time (not a backend figure), only where CachedTokens is $null.</summary>
    public int? EstimatedCachedTokens { get; init; }
    /// <summary>Why CachedTokens is $null, when it is.</summary>
    public string? CacheNote { get; init; }
    /// <summary>Prompt tokens the backend processed anew (PromptTokens less cached or estimated-cached ones; 0 when the
    /// proxy answered the request itself).</summary>
    public int PrefillTokens { get; init; }
    public int OutputTokens { get; init; }
    /// <summary>The proxy answered it without a backend (a title request under the AnswerLocally background policy).</summary>
    public bool AnsweredByProxy { get; init; }
    /// <summary>The mode that served it when the background policy routed it to another mode.</summary>
    public string? ServedBy { get; init; }
    public string? Error { get; init; }

    internal static ReplayedRequest From(ReplayRequestResult r) => new()
    {
        Mode = r.Mode.ToString(),
        Route = r.Route,
        Index = r.Index,
        Kind = r.Kind.ToString(),
        TimeToFirstToken = r.TimeToFirstToken is { } t ? CacheTurn.Ms(t) : null,
        Duration = CacheTurn.Ms(r.Duration),
        PromptTokens = r.PromptTokens,
        CachedTokens = r.CachedTokens,
        EstimatedCachedTokens = r.CachedTokens is null ? r.EstimatedCachedTokens : null,
        CacheNote = r.PrefillEstimated ? CacheTurn.NoCachedTokensNote : null,
        PrefillTokens = r.PrefillTokens,
        OutputTokens = r.OutputTokens,
        AnsweredByProxy = r.AnsweredByProxy,
        ServedBy = r.ServedBy?.ToString(),
        Error = r.Error,
    };
}

/// <summary>One request kind within a replay: how many, and the time to first token they cost (ms).</summary>
public sealed class ReplayKindFigure
{
    public required string Kind { get; init; }
    public int Count { get; init; }
    public double TotalTimeToFirstToken { get; init; }
    public double MedianTimeToFirstToken { get; init; }
    public long PrefillTokens { get; init; }

    public override string ToString() => $"{Kind} {Count}: {TotalTimeToFirstToken / 1000:0.0} s";
}

/// <summary>One mode's replay of a recorded session: what the user waited and what the backend processed, against the
/// minimum (the first main prompt plus each later main turn's growth). Times are milliseconds.</summary>
public sealed class ReplayComparison
{
    public required string Mode { get; init; }
    public required string Route { get; init; }
    public int Requests { get; init; }
    public int Errors { get; init; }
    public required ReplayKindFigure[] Kinds { get; init; }
    /// <summary>The sum of every request's time to first token: the waiting the session's prompt processing costs.</summary>
    public double TotalTimeToFirstToken { get; init; }
    public double TotalDuration { get; init; }
    /// <summary>Prompt tokens the backends processed anew over the session.</summary>
    public long TotalPrefillTokens { get; init; }
    /// <summary>What a perfect prefix cache would process: the first main prompt plus each later main turn's growth.</summary>
    public long MinimumPrefillTokens { get; init; }
    /// <summary>TotalPrefillTokens ÷ MinimumPrefillTokens; 1.0 is the best a cache can do.</summary>
    public double? PrefillRatio { get; init; }
    /// <summary>True when some prefill figures are estimates (the backend reported no cached tokens).</summary>
    public bool PrefillEstimated { get; init; }
    /// <summary>The comparison in one line, the same shape for every mode.</summary>
    public required string Line { get; init; }

    internal static ReplayComparison From(ReplaySummary s) => new()
    {
        Mode = s.Mode.ToString(),
        Route = s.Route,
        Requests = s.Requests,
        Errors = s.Errors,
        Kinds = s.Kinds.Select(k => new ReplayKindFigure
        {
            Kind = k.Kind.ToString(),
            Count = k.Count,
            TotalTimeToFirstToken = CacheTurn.Ms(k.TotalTimeToFirstToken),
            MedianTimeToFirstToken = CacheTurn.Ms(k.MedianTimeToFirstToken),
            PrefillTokens = k.PrefillTokens,
        }).ToArray(),
        TotalTimeToFirstToken = CacheTurn.Ms(s.TotalTimeToFirstToken),
        TotalDuration = CacheTurn.Ms(s.TotalDuration),
        TotalPrefillTokens = s.TotalPrefillTokens,
        MinimumPrefillTokens = s.MinimumPrefillTokens,
        PrefillRatio = s.PrefillRatio is { } r ? Math.Round(r, 2) : null,
        PrefillEstimated = s.PrefillEstimated,
        Line = s.Line,
    };
}
