using System.Runtime.CompilerServices;
using System.Text;
using AnyClaude.Diagnostics.Http;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Prewarm;
using AnyClaude.Proxy.WarmStart;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>A restart of Claude Code after the backend lost its cache (a model reload, a new terminal the next
/// morning): the first prompt of a session whose head (system prompt and tools) the backend has never seen, once cold
/// and once with Start-AnyClaude's warm start (the head sent with max_tokens 1 while Claude Code starts and the user
/// types).</summary>
public sealed record RestartScenarioOptions
{
    public required BackendSettings Backend { get; init; }

    /// <summary>From Start-AnyClaude to the first prompt's Enter: Claude Code's start and the user's typing (default 10 s).</summary>
    public TimeSpan TypingTime { get; init; } = TimeSpan.FromSeconds(10);

    public int? PromptTokens { get; init; }
    public int MaxOutputTokens { get; init; } = 64;
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);
    public TimeSpan TurnTimeout { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>Plays the restart twice through a private proxy: cold, then with the warm start.</summary>
public static class RestartScenarioRunner
{
    public const string Cold = "Restart, cold";
    public const string Warm = "Restart, warm start";

    public static async IAsyncEnumerable<ScenarioTurnResult> RunAsync(
        RestartScenarioOptions options,
        IProgress<DiagnosticProgress>? progress = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var mode = options.Backend.Mode;
        using var http = new Proxy.Backends.BackendHttp(options.ConnectTimeout);
        await using var lease = ProxyLease.Acquire(null, null, mode, [options.Backend]);
        var benchmark = new CacheBenchmarkOptions { Backend = options.Backend, MaxOutputTokens = options.MaxOutputTokens, TurnTimeout = options.TurnTimeout };
        var messages = new AnthropicMessagesClient(http, lease.Endpoint.BaseUrl, lease.Endpoint.Token);
        foreach (var (name, warm) in new[] { (Cold, false), (Warm, true) })
        {
            // Each run has its own run id in its head: one the backend has never seen, as after a model reload.
            var workload = CacheBenchmarkRunner.CreateWorkload(options.PromptTokens);
            var conversation = new BenchmarkConversation(workload);
            var question = BenchmarkConversation.Questions[0];
            Task? warming = null;
            if (warm)
            {
                // What Start-AnyClaude sends before Claude Code is up: the head of the last session (same workload).
                var last = new BenchmarkConversation(workload);
                last.Ask(question);
                var body = Encoding.UTF8.GetBytes(last.AnthropicBody(BenchmarkConversation.ClaudeModel, options.MaxOutputTokens).ToJsonString());
                var head = new WarmStartEntry(new WarmStartKey("", mode, null, ""), DateTimeOffset.UtcNow, null, body, true).Head();
                warming = lease.PrewarmBodyAsync(mode, head, PrewarmReason.WarmStart, cancellationToken);
            }
            // Claude Code starts and the user types; not counted as waiting.
            await Task.Delay(options.TypingTime, cancellationToken).ConfigureAwait(false);
            var sender = new ProxyTurnSender(messages, benchmark, CacheBenchmarkRunner.NewSessionId(), routeByModel: false, lease.Endpoint.FindRecord);
            await foreach (var turn in TurnLoop.RunAsync(sender, conversation, [(mode, question)], null, progress, $"Scenario: {name}", cancellationToken)
                               .ConfigureAwait(false))
                yield return new ScenarioTurnResult(name, turn with { ThinkTimeBefore = options.TypingTime });
            if (warming is not null) await warming.ConfigureAwait(false);
        }
    }

    /// <summary>One line: the first prompt's time to first token and reuse, warm start against cold.</summary>
    public static string Verdict(IReadOnlyList<ScenarioTurnResult> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var cold = turns.FirstOrDefault(t => t.Scenario == Cold)?.Result;
        var warm = turns.FirstOrDefault(t => t.Scenario == Warm)?.Result;
        if (cold is null || warm is null) return "";
        var reuse = warm.ReuseRatio is { } r ? $"{r:P0} of its prompt from the cache{(warm.CachedTokensReported ? "" : " (estimated from prefill time)")}" : "reuse unknown";
        return $"after a restart the first prompt's time to first token was {warm.TimeToFirstToken.TotalSeconds:F1} s with the warm start " +
               $"({reuse}) against {cold.TimeToFirstToken.TotalSeconds:F1} s cold{Faster(warm, cold)}";

        static string Faster(CacheTurnResult warm, CacheTurnResult cold) => warm.TimeToFirstToken > TimeSpan.Zero
            ? $", {cold.TimeToFirstToken / warm.TimeToFirstToken:F1}x faster, with {warm.ThinkTimeBefore.TotalSeconds:F0} s to start and type"
            : "";
    }
}
