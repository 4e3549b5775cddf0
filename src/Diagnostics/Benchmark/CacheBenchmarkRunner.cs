using System.Runtime.CompilerServices;
using AnyClaude.Diagnostics.Http;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>
/// Measures what the KV cache buys in one mode: a cold Claude-Code-sized first turn, then short follow-ups, through
/// the proxy (as Claude Code uses it) or straight at the backend. Yields each turn as soon as it is measured.
/// </summary>
public static class CacheBenchmarkRunner
{
    public static async IAsyncEnumerable<CacheTurnResult> RunAsync(
        CacheBenchmarkOptions options,
        IProgress<DiagnosticProgress>? progress = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (options.Turns < 1) throw new ArgumentOutOfRangeException(nameof(options), "Turns must be at least 1");
        var mode = options.Backend.Mode;
        progress?.Report(new DiagnosticProgress(Activity(options), "Preparing a Claude-Code-sized prompt", 0));
        var conversation = new BenchmarkConversation(CreateWorkload(options.PromptTokens));
        var turns = Enumerable.Range(0, options.Turns)
            .Select(i => (mode, BenchmarkConversation.Questions[i % BenchmarkConversation.Questions.Count]))
            .ToList();

        using var http = new Proxy.Backends.BackendHttp(options.ConnectTimeout);
        await using var lease = options.Direct ? null : ProxyLease.Acquire(options.Proxy, null, mode, [options.Backend]);
        ITurnSender sender = lease is null
            ? new DirectTurnSender(http, new Dictionary<BackendMode, BackendSettings> { [mode] = options.Backend }, options)
            : new ProxyTurnSender(new AnthropicMessagesClient(http, lease.Endpoint.BaseUrl, lease.Endpoint.Token), options, NewSessionId(),
                routeByModel: options.Proxy is not null, lease.Endpoint.FindRecord);
        // Through a caller's proxy the request's model names the mode, so a shared proxy is not switched.
        await foreach (var turn in TurnLoop.RunAsync(sender, conversation, turns, null, progress, Activity(options), cancellationToken).ConfigureAwait(false))
            yield return turn;
    }

    /// <summary>Runs all turns and summarises them.</summary>
    public static async Task<(IReadOnlyList<CacheTurnResult> Turns, CacheBenchmarkSummary Summary)> RunAllAsync(
        CacheBenchmarkOptions options, CancellationToken cancellationToken = default)
    {
        var turns = new List<CacheTurnResult>();
        await foreach (var t in RunAsync(options, null, cancellationToken).ConfigureAwait(false))
            turns.Add(t);
        return (turns, CacheBenchmarkSummary.From(turns));
    }

    internal static ClaudeCodeWorkload CreateWorkload(int? promptTokens) =>
        promptTokens is { } n ? ClaudeCodeWorkload.Scaled(n) : ClaudeCodeWorkload.ClaudeCodeSized();

    internal static string NewSessionId() => Guid.NewGuid().ToString();

    private static string Activity(CacheBenchmarkOptions o) =>
        $"Measuring the {o.Backend.Mode} cache {(o.Direct ? "directly at " + o.Backend.BaseUrl : "through the proxy")}";
}
