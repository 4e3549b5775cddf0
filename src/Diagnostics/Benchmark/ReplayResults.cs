using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>One recorded request replayed in one mode. PromptTokens includes cached ones; CachedTokens is null where
/// the backend reports none (LM Studio), EstimatedCachedTokens then stands in, labelled as an estimate.</summary>
public sealed record ReplayRequestResult(
    BackendMode Mode,
    string Route,
    int Index,
    RequestKind Kind,
    TimeSpan? TimeToFirstToken,
    TimeSpan Duration,
    int PromptTokens,
    int? CachedTokens,
    int OutputTokens)
{
    public int? EstimatedCachedTokens { get; init; }

    /// <summary>The proxy answered it itself (a title under the AnswerLocally policy): no backend processed a token.</summary>
    public bool AnsweredByProxy { get; init; }

    /// <summary>The mode whose backend served it, when a background policy routed it elsewhere.</summary>
    public BackendMode? ServedBy { get; init; }

    public string? Error { get; init; }

    /// <summary>Prompt tokens a backend processed anew: the prompt less what came from its cache (or the estimate).</summary>
    public int PrefillTokens => AnsweredByProxy || Error is not null ? 0
        : Math.Max(0, PromptTokens - (CachedTokens ?? EstimatedCachedTokens ?? 0));

    /// <summary>True when PrefillTokens rests on an estimate rather than the backend's own cached-token count.</summary>
    public bool PrefillEstimated => !AnsweredByProxy && Error is null && CachedTokens is null;
}

/// <summary>Per request kind within one replay: how many, and how long the user waited for their first tokens.</summary>
public sealed record ReplayKindFigures(RequestKind Kind, int Count, TimeSpan TotalTimeToFirstToken, TimeSpan MedianTimeToFirstToken, long PrefillTokens);

/// <summary>One mode's replay of the session. Minimum prefill: the first main prompt plus each later main turn's growth,
/// what a backend with a perfect prefix cache would process.</summary>
public sealed record ReplaySummary(
    BackendMode Mode,
    string Route,
    int Requests,
    int Errors,
    IReadOnlyList<ReplayKindFigures> Kinds,
    TimeSpan TotalTimeToFirstToken,
    TimeSpan TotalDuration,
    long TotalPrefillTokens,
    long MinimumPrefillTokens,
    bool PrefillEstimated)
{
    /// <summary>TotalPrefillTokens ÷ MinimumPrefillTokens (1.0 is the best a cache can do).</summary>
    public double? PrefillRatio => MinimumPrefillTokens > 0 ? (double)TotalPrefillTokens / MinimumPrefillTokens : null;

    /// <summary>The comparison in one line, the same shape for every mode.</summary>
    public string Line
    {
        get
        {
            var ratio = PrefillRatio is { } r ? $"{r:0.00}x" : "n/a";
            var kinds = string.Join(", ", Kinds.Select(k => $"{k.Kind} {k.Count}: {k.TotalTimeToFirstToken.TotalSeconds:0.0} s"));
            return $"{Mode} ({Route}): prefill {TotalPrefillTokens:N0} tokens{(PrefillEstimated ? " (est.)" : "")} = {ratio} the minimum " +
                   $"{MinimumPrefillTokens:N0}; waited {TotalTimeToFirstToken.TotalSeconds:0.0} s for first tokens over {Requests} requests " +
                   $"({kinds}){(Errors > 0 ? $"; {Errors} failed" : "")}";
        }
    }

    public static long MinimumPrefill(IEnumerable<ReplayRequestResult> results)
    {
        long minimum = 0;
        int? previous = null;
        foreach (var r in results.Where(r => r.Kind == RequestKind.Main && r.Error is null && r.PromptTokens > 0))
        {
            minimum += previous is { } p ? Math.Max(0, r.PromptTokens - p) : r.PromptTokens;
            previous = r.PromptTokens;
        }
        return minimum;
    }

    /// <summary>Summarises one mode's replay (results of one mode and route, in replay order).</summary>
    public static ReplaySummary From(IReadOnlyList<ReplayRequestResult> results)
    {
        if (results.Count == 0) throw new ArgumentException("no results to summarise", nameof(results));
        var kinds = results.GroupBy(r => r.Kind).OrderBy(g => g.Key)
            .Select(g =>
            {
                var ttfts = g.Where(r => r.TimeToFirstToken is not null).Select(r => r.TimeToFirstToken!.Value).ToList();
                return new ReplayKindFigures(g.Key, g.Count(), TimeSpan.FromTicks(ttfts.Sum(t => t.Ticks)),
                    ttfts.Count == 0 ? TimeSpan.Zero : CacheBenchmarkSummary.Median(ttfts), g.Sum(r => (long)r.PrefillTokens));
            })
            .ToList();
        return new ReplaySummary(results[0].Mode, results[0].Route, results.Count, results.Count(r => r.Error is not null), kinds,
            TimeSpan.FromTicks(results.Sum(r => (r.TimeToFirstToken ?? TimeSpan.Zero).Ticks)),
            TimeSpan.FromTicks(results.Sum(r => r.Duration.Ticks)),
            results.Sum(r => (long)r.PrefillTokens), MinimumPrefill(results), results.Any(r => r.PrefillEstimated));
    }
}
