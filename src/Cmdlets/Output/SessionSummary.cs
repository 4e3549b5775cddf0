using AnyClaude.Proxy.Observability;

namespace AnyClaude.Cmdlets;

/// <summary>Totals for one group of requests (a whole session, one mode or one kind).</summary>
public class RequestTotals
{
    public int Requests { get; internal set; }
    public int Errors { get; internal set; }
    /// <summary>Uncached prompt tokens a backend processed: requests that failed before a backend reported usage
    /// add nothing (their proxy-side estimate is not work a backend did); count_tokens calls add nothing.</summary>
    public long InputTokens { get; internal set; }
    public long OutputTokens { get; internal set; }
    /// <summary>Cached prompt tokens the backends reported; $null when none of these requests' backends reports any (LM Studio).</summary>
    public long? CachedTokens { get; internal set; }
    /// <summary>Cached prompt tokens / all prompt tokens, over requests whose backend reports cached tokens; $null otherwise.</summary>
    public double? CacheHitRatio { get; internal set; }
    /// <summary>An estimate from prompt-processing time for requests whose backend reports no cached tokens (not a backend figure).</summary>
    public long? EstimatedCachedTokens { get; internal set; }
    /// <summary>EstimatedCachedTokens / the prompt tokens of those requests; an estimate.</summary>
    public double? EstimatedCacheHitRatio { get; internal set; }
    public TimeSpan? MedianTimeToFirstToken { get; internal set; }
    /// <summary>Claude Code's summary requests (kind Compaction) among these requests.</summary>
    public int Compactions { get; internal set; }
    /// <summary>Requests the context policy cut to fit the window, and the prompt tokens it elided from them.</summary>
    public int ElidedRequests { get; internal set; }
    public long ElidedTokens { get; internal set; }

    /// <summary>True when a backend did the work the record's token figures describe.</summary>
    internal static bool Processed(RequestRecord r) =>
        r.Kind is not RequestKind.CountTokens && r.BackendUrl is not null
        && (r.UsageReported || (r.Error is null && r.Status < 400));

    /// <summary>Sets this group's totals from its records (set once, by the factory that made the object).</summary>
    private protected T Fill<T>(IReadOnlyCollection<RequestRecord> records, IReadOnlyDictionary<RequestRecord, int> estimates) where T : RequestTotals
    {
        var processed = records.Where(Processed).ToArray();
        var reporting = processed.Where(r => r.CachedTokens is not null).ToArray();
        var estimated = processed.Where(r => r.CachedTokens is null && estimates.ContainsKey(r)).ToArray();
        var reportedCached = reporting.Sum(r => (long)r.CachedTokens!.Value);
        var reportedPrompt = reporting.Sum(r => (long)r.InputTokens) + reportedCached;
        var estimatedCached = estimated.Sum(r => (long)estimates[r]);
        var estimatedPrompt = estimated.Sum(r => (long)r.InputTokens);
        var ttft = records.Where(r => r.TimeToFirstToken is not null).Select(r => r.TimeToFirstToken!.Value).Order().ToArray();
        Requests = records.Count;
        Errors = records.Count(r => r.Error is not null || r.Status >= 400);
        Compactions = records.Count(r => r.Kind == RequestKind.Compaction);
        ElidedRequests = records.Count(r => r.ElidedTokens > 0);
        ElidedTokens = records.Sum(r => (long)r.ElidedTokens);
        InputTokens = processed.Sum(r => (long)r.InputTokens);
        OutputTokens = processed.Sum(r => (long)r.OutputTokens);
        CachedTokens = reporting.Length == 0 ? null : reportedCached;
        CacheHitRatio = reportedPrompt == 0 ? null : (double)reportedCached / reportedPrompt;
        EstimatedCachedTokens = estimated.Length == 0 ? null : estimatedCached;
        EstimatedCacheHitRatio = estimatedPrompt == 0 ? null : (double)estimatedCached / estimatedPrompt;
        MedianTimeToFirstToken = ttft.Length == 0 ? null
            : ttft.Length % 2 == 1 ? ttft[ttft.Length / 2]
            : (ttft[(ttft.Length / 2) - 1] + ttft[ttft.Length / 2]) / 2;
        return (T)this;
    }
}

/// <summary>Totals of one mode within a session.</summary>
public sealed class ModeSummary : RequestTotals
{
    public required string Mode { get; init; }

    /// <summary>The models that served this mode's requests, most used first: the configured one, or the one the
    /// backend's responses named when none was configured.</summary>
    public string[] Models { get; init; } = [];

    internal static ModeSummary From(string mode, IReadOnlyCollection<RequestRecord> records, IReadOnlyDictionary<RequestRecord, int> estimates) =>
        new ModeSummary
        {
            Mode = mode,
            Models = records.Where(r => !string.IsNullOrEmpty(r.Model)).GroupBy(r => r.Model!, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).Select(g => g.Key).ToArray(),
        }.Fill<ModeSummary>(records, estimates);
}

/// <summary>Totals of one request kind (Main, Background, SubAgent, Probe, CountTokens, Prewarm) within a session.</summary>
public sealed class KindSummary : RequestTotals
{
    public required string Kind { get; init; }

    internal static KindSummary From(string kind, IReadOnlyCollection<RequestRecord> records, IReadOnlyDictionary<RequestRecord, int> estimates) =>
        new KindSummary { Kind = kind }.Fill<KindSummary>(records, estimates);
}

/// <summary>What a Claude Code session (or a proxy's life) did, as Start-AnyClaude -PassThru emits it.</summary>
public sealed class SessionSummary : RequestTotals
{
    public required DateTimeOffset StartedAt { get; init; }
    public required TimeSpan Duration { get; init; }
    /// <summary>Claude Code's exit code; null when it was not launched.</summary>
    public int? ExitCode { get; init; }
    public required ModeSummary[] ByMode { get; init; }
    /// <summary>Totals per request kind; the Main entry holds the cache figures of the main conversation's turns alone.</summary>
    public KindSummary[] ByKind { get; init; } = [];

    internal static SessionSummary From(DateTimeOffset startedAt, DateTimeOffset endedAt, IReadOnlyCollection<RequestRecord> records, int? exitCode)
    {
        var estimates = CacheEstimator.Estimate(records);
        var summary = new SessionSummary
        {
            StartedAt = startedAt,
            Duration = endedAt - startedAt,
            ExitCode = exitCode,
            ByMode = records.GroupBy(r => r.Mode).OrderBy(g => g.Key)
                .Select(g => ModeSummary.From(g.Key.ToString(), g.ToArray(), estimates)).ToArray(),
            ByKind = records.GroupBy(r => r.Kind).OrderBy(g => g.Key)
                .Select(g => KindSummary.From(g.Key.ToString(), g.ToArray(), estimates)).ToArray(),
        };
        return summary.Fill<SessionSummary>(records, estimates);
    }
}
