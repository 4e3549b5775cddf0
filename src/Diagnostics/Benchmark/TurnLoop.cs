using System.Runtime.CompilerServices;
using AnyClaude.Diagnostics.Http;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>Plays a conversation turn by turn, each turn in a given mode, measuring each one.</summary>
internal static class TurnLoop
{
    /// <summary>Think time meaning "as long as this run's first, cold time to first token".</summary>
    public static readonly TimeSpan OneColdPrefill = TimeSpan.MinValue;

    public static async IAsyncEnumerable<CacheTurnResult> RunAsync(
        ITurnSender sender,
        BenchmarkConversation conversation,
        IReadOnlyList<(BackendMode Mode, string Question)> turns,
        Func<BackendMode, CancellationToken, Task>? switchMode,
        IProgress<DiagnosticProgress>? progress,
        string activity,
        [EnumeratorCancellation] CancellationToken cancellationToken,
        TimeSpan? thinkTime = null,
        Func<BackendMode, CancellationToken, Task>? prewarm = null,
        IReadOnlyDictionary<BackendMode, double>? coldSecondsPerToken = null)
    {
        TimeSpan? firstTtft = null;
        // Per mode: backends prefill at different rates. Seeded from cold runs measured before (the scenario's
        // single-mode runs), else set by this run's first, cold turn in that mode.
        var coldRates = coldSecondsPerToken is null ? new Dictionary<BackendMode, double>() : new Dictionary<BackendMode, double>(coldSecondsPerToken);
        for (var i = 0; i < turns.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (mode, question) = turns[i];
            progress?.Report(new DiagnosticProgress(activity, $"Turn {i + 1} of {turns.Count} ({mode}{(i == 0 ? ", cold" : "")})", i * 100 / turns.Count));
            // The user switches as they start typing; a prewarm runs while they type; their wait starts when they send.
            if (switchMode is not null)
                await switchMode(mode, cancellationToken).ConfigureAwait(false);
            var warming = i > 0 && prewarm is not null && mode != turns[i - 1].Mode ? prewarm(mode, cancellationToken) : null;
            if (i > 0 && thinkTime is { } think)
            {
                // Not waiting: the user reads and types. A prewarm started above runs meanwhile.
                var pause = think == OneColdPrefill ? firstTtft ?? TimeSpan.Zero : think;
                if (pause > TimeSpan.Zero) await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            }
            conversation.Ask(question);
            StreamMeasurement m;
            try
            {
                m = await sender.SendAsync(conversation, mode, cancellationToken).ConfigureAwait(false);
            }
            catch (BackendCallException ex)
            {
                throw new BenchmarkException($"turn {i + 1} ({mode}, {sender.Route}) failed: {ex.Message}", ex);
            }
            if (m.Error is not null)
                throw new BenchmarkException($"turn {i + 1} ({mode}, {sender.Route}) failed: {m.Error}");
            if (!m.Completed || m.TimeToFirstToken is not { } ttft)
                throw new BenchmarkException($"turn {i + 1} ({mode}, {sender.Route}) ended without a complete answer");
            conversation.Answer(m.Text.ToString());
            firstTtft ??= ttft;
            if (warming is not null) await warming.ConfigureAwait(false);
            int? estimate = null;
            if (!m.CachedTokensReported && m.PromptTokens > 0)
            {
                // Turn 1 is cold: its time per prompt token is the rate a prefill from scratch runs at.
                if (i == 0) coldRates.TryAdd(mode, ttft.TotalSeconds / m.PromptTokens);
                estimate = CacheEstimator.CachedTokens(m.PromptTokens, ttft, coldRates.GetValueOrDefault(mode));
            }
            yield return new CacheTurnResult(i + 1, mode, sender.Route, ttft, m.Duration, m.PromptTokens, m.CachedTokens, m.OutputTokens)
            {
                CachedTokensReported = m.CachedTokensReported,
                EstimatedCachedTokens = estimate,
                ThinkTimeBefore = i == 0 || thinkTime is not { } t ? TimeSpan.Zero : t == OneColdPrefill ? firstTtft.Value : t,
            };
        }
        progress?.Report(new DiagnosticProgress(activity, "Done", 100));
    }
}
