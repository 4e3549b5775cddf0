using AnyClaude.Proxy.Observability;

namespace AnyClaude.Cmdlets;

/// <summary>Totals for one group of requests (a whole session or one mode).</summary>
public class RequestTotals
{
    public int Requests { get; init; }
    public int Errors { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CachedTokens { get; init; }
    /// <summary>Cached prompt tokens / all prompt tokens; null without prompt tokens.</summary>
    public double? CacheHitRatio { get; init; }
    public TimeSpan? MedianTimeToFirstToken { get; init; }

    private protected static (int, int, long, long, long, double?, TimeSpan?) Compute(IReadOnlyCollection<RequestRecord> records)
    {
        long input = records.Sum(r => (long)r.InputTokens);
        long cached = records.Sum(r => (long)r.CachedTokens);
        TimeSpan[] ttft = records.Where(r => r.TimeToFirstToken is not null).Select(r => r.TimeToFirstToken!.Value).Order().ToArray();
        TimeSpan? median = ttft.Length == 0 ? null
            : ttft.Length % 2 == 1 ? ttft[ttft.Length / 2]
            : (ttft[(ttft.Length / 2) - 1] + ttft[ttft.Length / 2]) / 2;
        return (
            records.Count,
            records.Count(r => r.Error is not null || r.Status >= 400),
            input,
            records.Sum(r => (long)r.OutputTokens),
            cached,
            input + cached == 0 ? null : (double)cached / (input + cached),
            median);
    }
}

/// <summary>Totals of one mode within a session.</summary>
public sealed class ModeSummary : RequestTotals
{
    public required string Mode { get; init; }

    internal static ModeSummary From(string mode, IReadOnlyCollection<RequestRecord> records)
    {
        var (n, errors, input, output, cached, ratio, median) = Compute(records);
        return new ModeSummary
        {
            Mode = mode, Requests = n, Errors = errors, InputTokens = input, OutputTokens = output,
            CachedTokens = cached, CacheHitRatio = ratio, MedianTimeToFirstToken = median,
        };
    }
}

/// <summary>What a Claude Code session (or a proxy's life) did, as Start-AnyClaude -PassThru emits it.</summary>
public sealed class SessionSummary : RequestTotals
{
    public required DateTimeOffset StartedAt { get; init; }
    public required TimeSpan Duration { get; init; }
    /// <summary>Claude Code's exit code; null when it was not launched.</summary>
    public int? ExitCode { get; init; }
    public required ModeSummary[] ByMode { get; init; }

    internal static SessionSummary From(DateTimeOffset startedAt, DateTimeOffset endedAt, IReadOnlyCollection<RequestRecord> records, int? exitCode)
    {
        var (n, errors, input, output, cached, ratio, median) = Compute(records);
        return new SessionSummary
        {
            StartedAt = startedAt,
            Duration = endedAt - startedAt,
            ExitCode = exitCode,
            Requests = n, Errors = errors, InputTokens = input, OutputTokens = output,
            CachedTokens = cached, CacheHitRatio = ratio, MedianTimeToFirstToken = median,
            ByMode = records.GroupBy(r => r.Mode).OrderBy(g => g.Key)
                .Select(g => ModeSummary.From(g.Key.ToString(), g.ToArray())).ToArray(),
        };
    }
}
