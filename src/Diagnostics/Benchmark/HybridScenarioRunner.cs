using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using AnyClaude.Diagnostics.Http;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>Replays the hybrid session (and, for comparison, the same turns in each single mode) through a proxy.</summary>
public static class HybridScenarioRunner
{
    public static async IAsyncEnumerable<ScenarioTurnResult> RunAsync(
        HybridScenarioOptions options,
        IProgress<DiagnosticProgress>? progress = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (options.Sequence.Count == 0) throw new ArgumentException("the sequence is empty", nameof(options));
        if (options.Prewarm && options.Proxy is not null) throw new ArgumentException("prewarming needs the private proxy", nameof(options));
        // The single modes run first: each starts cold, so they measure every backend's cold prefill, which sets the
        // hybrid session's default think time (one cold prefill of the slowest backend it uses) and its cold rates.
        var modes = options.Sequence.Distinct().ToList();
        var runs = new List<(string Name, IReadOnlyList<BackendMode> Modes)>();
        if (options.CompareSingleModes)
        {
            foreach (var mode in modes)
                runs.Add((ScenarioSummary.SingleMode(mode), options.Sequence.Select(_ => mode).ToList()));
        }
        runs.Add((ScenarioSummary.Hybrid, options.Sequence));

        using var http = new Proxy.Backends.BackendHttp(options.ConnectTimeout);
        await using var lease = ProxyLease.Acquire(options.Proxy, options.SwitchMode, options.Sequence[0], [options.LmStudio, options.MlxLm]);
        var switches = options.Proxy is null || options.SwitchMode is not null;
        var benchmark = new CacheBenchmarkOptions
        {
            Backend = options.MlxLm,
            MaxOutputTokens = options.MaxOutputTokens,
            TurnTimeout = options.TurnTimeout,
        };
        var messages = new AnthropicMessagesClient(http, lease.Endpoint.BaseUrl, lease.Endpoint.Token);
        // Like with like: no run pays the proxy's first requests (code paths run for the first time, connections).
        foreach (var mode in modes)
            await WarmUpAsync(messages, mode, options.TurnTimeout, cancellationToken).ConfigureAwait(false);

        var coldTtft = new Dictionary<BackendMode, TimeSpan>();
        var coldRate = new Dictionary<BackendMode, double>();
        foreach (var (name, runModes) in runs)
        {
            // Each run gets its own run id: a cold start, not the previous run's cache.
            var conversation = new BenchmarkConversation(CacheBenchmarkRunner.CreateWorkload(options.PromptTokens));
            var sender = new ProxyTurnSender(messages, benchmark, CacheBenchmarkRunner.NewSessionId(), routeByModel: !switches, lease.Endpoint.FindRecord);
            var turns = runModes.Select((mode, i) => (mode, Question(options.Sequence[i], i))).ToList();
            var think = options.ThinkTime
                        ?? (name == ScenarioSummary.Hybrid && modes.All(coldTtft.ContainsKey) ? modes.Max(m => coldTtft[m]) : TurnLoop.OneColdPrefill);
            var first = true;
            await foreach (var turn in TurnLoop.RunAsync(sender, conversation, turns, switches ? lease.SwitchAsync : null,
                               progress, $"Scenario: {name}", cancellationToken,
                               think, options.Prewarm && name == ScenarioSummary.Hybrid ? lease.PrewarmAsync : null, coldRate).ConfigureAwait(false))
            {
                if (first && name != ScenarioSummary.Hybrid)
                {
                    coldTtft[turn.Mode] = turn.TimeToFirstToken;
                    if (turn.PromptTokens > 0) coldRate[turn.Mode] = turn.TimeToFirstToken.TotalSeconds / turn.PromptTokens;
                }
                first = false;
                yield return new ScenarioTurnResult(name, turn);
            }
        }
    }

    /// <summary>One tiny request per backend (max_tokens 1, so the proxy files it as a probe, not a conversation to
    /// prewarm); the model names the mode, so no switch is needed.</summary>
    private static async Task WarmUpAsync(AnthropicMessagesClient messages, BackendMode mode, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = ModeNames.ToEnvironmentName(mode),
            ["max_tokens"] = 1,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi" }),
        };
        try
        {
            await messages.StreamAsync(body, CacheBenchmarkRunner.NewSessionId(), timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (BackendCallException ex)
        {
            throw new BenchmarkException($"warming up the proxy for {mode} failed: {ex.Message}", ex);
        }
    }

    // The turn that the hybrid session sends to LmStudio is the edit; the same text is asked in every run.
    private static string Question(BackendMode hybridMode, int index) => hybridMode == BackendMode.LmStudio
        ? BenchmarkConversation.EditRequest
        : BenchmarkConversation.Questions[index % BenchmarkConversation.Questions.Count];
}
