using System.Runtime.CompilerServices;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Diagnostics.Http;

namespace AnyClaude.Proxy.Diagnostics.Benchmark;

/// <summary>Plays a conversation turn by turn, each turn in a given mode, measuring each one.</summary>
internal static class TurnLoop
{
    public static async IAsyncEnumerable<CacheTurnResult> RunAsync(
        ITurnSender sender,
        BenchmarkConversation conversation,
        IReadOnlyList<(BackendMode Mode, string Question)> turns,
        Func<BackendMode, CancellationToken, Task>? switchMode,
        IProgress<DiagnosticProgress>? progress,
        string activity,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < turns.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (mode, question) = turns[i];
            progress?.Report(new DiagnosticProgress(activity, $"Turn {i + 1} of {turns.Count} ({mode}{(i == 0 ? ", cold" : "")})", i * 100 / turns.Count));
            if (switchMode is not null)
                await switchMode(mode, cancellationToken).ConfigureAwait(false);
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
            yield return new CacheTurnResult(i + 1, mode, sender.Route, ttft, m.Duration, m.PromptTokens, m.CachedTokens, m.OutputTokens);
        }
        progress?.Report(new DiagnosticProgress(activity, "Done", 100));
    }
}
