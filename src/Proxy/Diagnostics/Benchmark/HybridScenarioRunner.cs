using System.Runtime.CompilerServices;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Diagnostics.Http;

namespace AnyClaude.Proxy.Diagnostics.Benchmark;

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
        var runs = new List<(string Name, IReadOnlyList<BackendMode> Modes)> { (ScenarioSummary.Hybrid, options.Sequence) };
        if (options.CompareSingleModes)
        {
            foreach (var mode in options.Sequence.Distinct())
                runs.Add((ScenarioSummary.SingleMode(mode), options.Sequence.Select(_ => mode).ToList()));
        }

        using var http = DiagnosticHttp.Create(options.ConnectTimeout);
        await using var lease = ProxyLease.Acquire(options.Proxy, options.SwitchMode, options.Sequence[0], [options.LmStudio, options.MlxLm]);
        var switches = options.Proxy is null || options.SwitchMode is not null;
        var benchmark = new CacheBenchmarkOptions
        {
            Backend = options.MlxLm,
            MaxOutputTokens = options.MaxOutputTokens,
            TurnTimeout = options.TurnTimeout,
        };
        foreach (var (name, modes) in runs)
        {
            // Each run gets its own run id: a cold start, not the previous run's cache.
            var conversation = new BenchmarkConversation(CacheBenchmarkRunner.CreateWorkload(options.PromptTokens));
            var sender = new ProxyTurnSender(new AnthropicMessagesClient(http, lease.Endpoint.BaseUrl, lease.Endpoint.Token),
                benchmark, CacheBenchmarkRunner.NewSessionId(), routeByModel: !switches, lease.Endpoint.FindRecord);
            var turns = modes.Select((mode, i) => (mode, Question(options.Sequence[i], i))).ToList();
            await foreach (var turn in TurnLoop.RunAsync(sender, conversation, turns, switches ? lease.SwitchAsync : null,
                               progress, $"Scenario: {name}", cancellationToken,
                               options.ThinkTime ?? TurnLoop.OneColdPrefill, options.Prewarm ? lease.PrewarmAsync : null).ConfigureAwait(false))
                yield return new ScenarioTurnResult(name, turn);
        }
    }

    // The turn that the hybrid session sends to LmStudio is the edit; the same text is asked in every run.
    private static string Question(BackendMode hybridMode, int index) => hybridMode == BackendMode.LmStudio
        ? BenchmarkConversation.EditRequest
        : BenchmarkConversation.Questions[index % BenchmarkConversation.Questions.Count];
}
