using AnyClaude.Diagnostics.Http;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Checks;

/// <summary>The same long prompt sent twice: the repeat reports cached tokens or comes back markedly faster.</summary>
internal sealed class PromptCacheCheck : IBackendCheck
{
    public string Name => CheckNames.PromptCache;
    public string Description => "Prompt cache";

    public async Task<CheckOutcome> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        // A fresh run id makes the first request cold even if an earlier check run warmed the cache.
        var workload = ClaudeCodeWorkload.Create(options.CachePromptTokens, 0, ClaudeCodeWorkload.NewRunId());
        var cold = await SendAsync(context, workload, cancellationToken).ConfigureAwait(false);
        var warm = await SendAsync(context, workload, cancellationToken).ConfigureAwait(false);
        if (cold.TimeToFirstToken is not { } coldTtft || warm.TimeToFirstToken is not { } warmTtft)
            return CheckOutcome.Fail("a request produced no tokens", "Check the server's log: the model may have failed to generate.");

        var hit = warm.PromptTokens > 0 ? (double)warm.CachedTokens / warm.PromptTokens : 0;
        var ratio = coldTtft.TotalMilliseconds > 0 ? warmTtft.TotalMilliseconds / coldTtft.TotalMilliseconds : 1;
        var detail = $"{workload.SystemTokens}-token prompt twice: first token {coldTtft.TotalMilliseconds:0} ms then {warmTtft.TotalMilliseconds:0} ms; "
                     + (warm.CachedTokensReported ? $"{warm.CachedTokens} of {warm.PromptTokens} prompt tokens cached" : $"cached tokens: - (the server does not report cached tokens); {Estimate(cold, warm)}");
        // A backend that reports cached tokens is judged by them (timing on a fast machine is noise);
        // one that does not (LM Studio) only by how much sooner the repeat answers.
        var passed = warm.CachedTokensReported ? hit >= options.CacheHitThreshold : ratio <= options.CacheSpeedupThreshold;
        if (passed)
            return CheckOutcome.Pass(detail);
        // MLX-LM is chosen for its cache; elsewhere a missing cache only costs time.
        return context.Mode == BackendMode.MlxLm
            ? CheckOutcome.Fail($"the repeat was not served from the cache: {detail}", BackendAdvice.Cache(context.Settings))
            : CheckOutcome.Warn($"the repeat was not served from the cache: {detail}", BackendAdvice.Cache(context.Settings));
    }

    /// <summary>Cached tokens inferred from prompt-processing time, the cold request's time per prompt token being
    /// the rate of a prefill from scratch; labelled as an estimate, never shown as the backend's figure.</summary>
    internal static string Estimate(StreamMeasurement cold, StreamMeasurement warm)
    {
        if (cold.PromptTokens <= 0 || warm.PromptTokens <= 0 || cold.TimeToFirstToken is not { } c || warm.TimeToFirstToken is not { } w || c <= TimeSpan.Zero)
            return "no estimate (no prompt token counts)";
        var estimate = Proxy.Observability.CacheEstimator.CachedTokens(warm.PromptTokens, w, c.TotalSeconds / cold.PromptTokens);
        return $"~{estimate} of {warm.PromptTokens} est. from prompt-processing time";
    }

    private static Task<StreamMeasurement> SendAsync(CheckContext context, ClaudeCodeWorkload workload, CancellationToken cancellationToken) =>
        context.Backend.StreamAsync(
            context.ChatBody(4, ("system", workload.SystemText), ("user", "Reply with the single word: ready")),
            context.Options.CompletionTimeout, cancellationToken);
}
