using System.Management.Automation;
using AnyClaude.Cmdlets.Completion;
using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Cmdlets.Diagnostics.Pipeline;
using AnyClaude.Cmdlets.Errors;
using AnyClaude.Cmdlets.Pipeline;
using AnyClaude.Diagnostics.Benchmark;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Diagnostics.Commands;

// Over 300 lines for a reason: 14 parameters over four parameter sets (turns, -Scenario, -Replay, -Direct) with their
// help text (78 lines); each set hands its work to one runner of AnyClaude.Diagnostics.

/// <summary>
/// <para type="synopsis">Benchmarks what the backend's KV prompt cache buys, driving the proxy exactly as Claude Code does.</para>
/// <para type="description">Turn 1 sends a cold prompt the size of Claude Code's (its measured system prompt and tools, synthesised as realistic JSON-schema tools); turns 2..N each append the answer and one short question, as a conversation does. Requests go through the proxy as streaming Anthropic Messages calls (the session's proxy when one is running, otherwise a private one), or with -Direct straight to the backend's /v1/chat/completions. Emits one object per turn (Turn, Mode, Route, TimeToFirstToken, Duration, PromptTokens, CachedTokens, CacheHitRatio, OutputTokensPerSecond) and then a summary (ColdTimeToFirstToken, WarmTimeToFirstToken as the median of turns 2..N, Speedup, HitRatio). Where the backend reports no cached tokens (LM Studio), CachedTokens, CacheHitRatio and HitRatio are $null with a CacheNote, and EstimatedCachedTokens and EstimatedHitRatio give an estimate from prompt-processing time (turn 1 sets the cold rate), shown as "~N est."; through the proxy the figures come from the proxy's record of each turn (Claude Code itself always gets a cache_read_input_tokens count). All times are milliseconds. -Scenario replays the session our users describe (three analysis turns in MlxLm, an edit in LmStudio, back to MlxLm) through a private proxy whose mode is switched between turns, and compares the user's wait (each turn from sending the prompt to the end of its answer; think time and the proxy's start excluded alike) with the same turns in each single mode, which run first; the hybrid row's Verdict states the reuse after each switch and the wait against staying in MlxLm in one line. Ctrl+C stops cleanly.</para>
/// </summary>
/// <example>
/// <code>Measure-AnyClaudeCache MlxLm -Turns 5 | Format-Table</code>
/// <para>Five turns against MLX-LM through the proxy, then the summary.</para>
/// </example>
/// <example>
/// <code>'Proxy','Direct' | ForEach-Object { Measure-AnyClaudeCache MlxLm -Direct:($_ -eq 'Direct') -Summary } | Format-Table</code>
/// <para>The proxy's effect on cache reuse and latency, side by side.</para>
/// </example>
/// <example>
/// <code>Measure-AnyClaudeCache LmStudio -Turns 4 | Where-Object Turn | Export-Csv lmstudio-cache.csv</code>
/// <para>Saves the per-turn rows (the summary has no Turn property) for a spreadsheet.</para>
/// </example>
/// <example>
/// <code>Measure-AnyClaudeCache -Scenario -Summary | Format-Table Scenario, Sequence, TotalDuration, RelativeToHybrid</code>
/// <para>How the hybrid MlxLm / LmStudio session compares with staying in one mode.</para>
/// </example>
/// <example>
/// <code>Start-AnyClaude MlxLm -TracePath ~/work-session.jsonl -TraceLevel Replay
/// Measure-AnyClaudeCache -Replay ~/work-session.jsonl -Mode LmStudio, MlxLm -Summary | Select-Object -ExpandProperty Line</code>
/// <para>Records a real Claude Code session (Claude Code's own requests, secrets masked), then replays it against LM Studio
/// and MLX-LM: one line per mode with the prompt tokens each backend had to process against the minimum, and the time spent
/// waiting for first tokens per request kind. This is how to choose a backend on your own work.</para>
/// </example>
/// <example>
/// <code>Measure-AnyClaudeCache -Replay session.jsonl -Mode LmStudio -Direct | Where-Object Kind -eq Main | Format-Table</code>
/// <para>The main turns of a recorded session sent straight to LM Studio (translated as the proxy translates them, no
/// background policy in between).</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Measure, "AnyClaudeCache", DefaultParameterSetName = ModeSet)]
[OutputType(typeof(CacheTurn), typeof(CacheSummary), ParameterSetName = [ModeSet])]
[OutputType(typeof(CacheTurn), typeof(ScenarioComparison), ParameterSetName = [ScenarioSet])]
[OutputType(typeof(ReplayedRequest), typeof(ReplayComparison), ParameterSetName = [ReplaySet])]
public sealed class MeasureAnyClaudeCacheCommand : AsyncCmdlet
{
    private const string ModeSet = "Mode";
    private const string ScenarioSet = "Scenario";
    private const string ReplaySet = "Replay";

    /// <summary>
    /// <para type="description">The mode to measure (default MlxLm, the mode chosen for its cache); several are measured one
    /// after another. With -Replay: the modes to replay the recorded session against, in order.</para>
    /// </summary>
    [Parameter(Position = 0, ParameterSetName = ModeSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(Position = 1, ParameterSetName = ReplaySet)]
    [ArgumentCompleter(typeof(ModeCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Mode { get; set; } = ["MlxLm"];

    /// <summary>
    /// <para type="description">How many turns (default 5): turn 1 is cold, the rest are follow-ups.</para>
    /// </summary>
    [Parameter(ParameterSetName = ModeSet)]
    [ValidateRange(1, 200)]
    public int Turns { get; set; } = 5;

    /// <summary>
    /// <para type="description">The fixed prompt (system + tools) in tokens. Default: Claude Code's measured size.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(256, 1_000_000)]
    public int PromptSize { get; set; }

    /// <summary>
    /// <para type="description">Send the same turns straight to the backend's /v1/chat/completions instead of through the proxy.
    /// With -Replay: each recorded request as the engine's translator turns it into a Chat Completions request.</para>
    /// </summary>
    [Parameter(ParameterSetName = ModeSet)]
    [Parameter(ParameterSetName = ReplaySet)]
    public SwitchParameter Direct { get; set; }

    /// <summary>
    /// <para type="description">A trace recorded with Start-AnyClaude -TracePath file -TraceLevel Replay (or Debug): its
    /// /v1/messages requests are sent again, in the order Claude Code sent them, streaming, with max_tokens capped at
    /// -MaxOutputTokens, against each -Mode through a private proxy in that mode (its background-request policy applies;
    /// your running proxy is never switched), or with -Direct straight at the backend. Emits one object per request (Kind,
    /// TimeToFirstToken, PromptTokens, CachedTokens or $null with an estimate, PrefillTokens) and one summary per mode (per-kind
    /// counts and times, total prefill against the minimum: the first main prompt plus each later main turn's growth, and Line,
    /// the comparison in one line).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ReplaySet)]
    [ValidateNotNullOrEmpty]
    public string? Replay { get; set; }

    /// <summary>
    /// <para type="description">Replay the hybrid session (MlxLm ×3, LmStudio, MlxLm) and compare it with staying in one mode.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ScenarioSet)]
    public SwitchParameter Scenario { get; set; }

    /// <summary>
    /// <para type="description">With -Scenario: the restart instead (issue 20). The first prompt of a session whose system prompt and tools
    /// the backend has never seen (as after a model reload or the next morning), once cold and once with Start-AnyClaude's warm start (the
    /// head sent with max_tokens 1 while Claude Code starts and the user types: -ThinkTime seconds, default 10), in the configured default
    /// mode. Rows per run ("Restart, cold", "Restart, warm start"), then one comparison with the verdict.</para>
    /// </summary>
    [Parameter(ParameterSetName = ScenarioSet)]
    public SwitchParameter Restart { get; set; }

    /// <summary>
    /// <para type="description">With -Scenario: how long the user reads and types between turns, in seconds (not counted as waiting).
    /// Default: one cold prefill of the slowest backend in the sequence (the longest first-turn time to first token of the single-mode
    /// runs, which run first). 0 plays the turns back to back.</para>
    /// </summary>
    [Parameter(ParameterSetName = ScenarioSet)]
    [ValidateRange(0, 3600)]
    public double? ThinkTime { get; set; }

    /// <summary>
    /// <para type="description">With -Scenario: prewarm the target backend at each mode switch while the user thinks (Set-AnyClaudeMode -Prewarm).</para>
    /// </summary>
    [Parameter(ParameterSetName = ScenarioSet)]
    public SwitchParameter Prewarm { get; set; }

    /// <summary>
    /// <para type="description">The backend's base URL, overriding the configuration.</para>
    /// </summary>
    [Parameter(ParameterSetName = ModeSet)]
    [ValidateNotNull]
    public Uri? BaseUrl { get; set; }

    /// <summary>
    /// <para type="description">The backend's model, overriding the configuration.</para>
    /// </summary>
    [Parameter(ParameterSetName = ModeSet)]
    [ArgumentCompleter(typeof(ModelCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>
    /// <para type="description">max_tokens per turn (default 64): short answers keep the measurement about prompt processing.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 32_000)]
    public int MaxOutputTokens { get; set; } = 64;

    /// <summary>
    /// <para type="description">Emit only the summary (or, with -Scenario, only the comparison rows).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            if (Scenario) RunScenario();
            else if (Replay is not null) RunReplay();
            else
            {
                foreach (var mode in Mode) RunBenchmark(mode);
            }
        }
        catch (ConfigurationException e)
        {
            WriteError(ErrorRecords.Configuration(e));
        }
        catch (ReplayTraceException e)
        {
            WriteError(ReplayTraceError(e));
        }
        catch (BenchmarkException e)
        {
            WriteError(new ErrorRecord(e, "BenchmarkTurnFailed", ErrorCategory.ConnectionError, Scenario ? "Scenario" : Replay ?? string.Join(",", Mode))
            {
                ErrorDetails = new ErrorDetails($"{e.Message} Run Test-AnyClaudeBackend to see what is wrong with the backend."),
            });
        }
    }

    private int? PromptTokens => PromptSize > 0 ? PromptSize : null;

    private void RunBenchmark(string mode)
    {
        var target = DiagnosticTargets.Resolve(mode, BaseUrl, Model);
        var options = new CacheBenchmarkOptions
        {
            Backend = target.Settings,
            Proxy = target.Proxy,
            Direct = Direct,
            Turns = Turns,
            PromptTokens = PromptTokens,
            MaxOutputTokens = MaxOutputTokens,
        };
        WriteVerbose($"Measuring {options.Backend.Mode} at {options.Backend.BaseUrl} {(Direct ? "directly" : target.Proxy is null ? "through a private proxy" : "through the proxy at " + target.Proxy.BaseUrl)}.");
        var turns = new List<CacheTurnResult>();
        Await(async (pipeline, cancellationToken) =>
        {
            await foreach (var turn in CacheBenchmarkRunner.RunAsync(options, pipeline.ProgressOf(ProgressId), cancellationToken).ConfigureAwait(false))
            {
                turns.Add(turn);
                WriteRow(pipeline, CacheTurn.From(turn));
            }
            pipeline.WriteObject(CacheSummary.From(CacheBenchmarkSummary.From(turns)));
        });
    }

    private void RunScenario()
    {
        if (Restart)
        {
            RunRestart();
            return;
        }

        // A private proxy: switching the session's proxy would change the user's mode under their feet.
        var lmStudio = DiagnosticTargets.Resolve(nameof(BackendMode.LmStudio), null, null, useSessionProxy: false).Settings;
        var mlx = DiagnosticTargets.Resolve(nameof(BackendMode.MlxLm), null, null, useSessionProxy: false).Settings;
        var options = new HybridScenarioOptions
        {
            LmStudio = lmStudio, MlxLm = mlx, PromptTokens = PromptTokens, MaxOutputTokens = MaxOutputTokens,
            ThinkTime = ThinkTime is { } seconds ? TimeSpan.FromSeconds(seconds) : null, Prewarm = Prewarm,
        };
        WriteVerbose($"Scenario through a private proxy: LmStudio at {lmStudio.BaseUrl}, MlxLm at {mlx.BaseUrl}.");
        var turns = new List<ScenarioTurnResult>();
        Await(async (pipeline, cancellationToken) =>
        {
            await foreach (var turn in HybridScenarioRunner.RunAsync(options, pipeline.ProgressOf(ProgressId), cancellationToken).ConfigureAwait(false))
            {
                turns.Add(turn);
                WriteRow(pipeline, CacheTurn.From(turn.Result, turn.Scenario));
            }
            var summaries = ScenarioSummary.From(turns);
            var verdict = ScenarioSummary.Verdict(summaries);
            foreach (var summary in summaries)
                pipeline.WriteObject(ScenarioComparison.From(summary, summary.Scenario == ScenarioSummary.Hybrid ? verdict : null));
        });
    }

    private void RunRestart()
    {
        var config = ConfigResolver.Resolve(new ConfigParameters());
        var backend = DiagnosticTargets.Resolve(config.Mode.Value.ToString(), null, null, useSessionProxy: false).Settings;
        var options = new RestartScenarioOptions
        {
            Backend = backend, PromptTokens = PromptTokens, MaxOutputTokens = MaxOutputTokens,
            TypingTime = TimeSpan.FromSeconds(ThinkTime ?? 10),
        };
        WriteVerbose($"Restart scenario through a private proxy: {backend.Mode} at {backend.BaseUrl}; {options.TypingTime.TotalSeconds:F0} s to start and type.");
        Await(async (pipeline, cancellationToken) =>
        {
            var turns = new List<ScenarioTurnResult>();
            await foreach (var turn in RestartScenarioRunner.RunAsync(options, pipeline.ProgressOf(ProgressId), cancellationToken).ConfigureAwait(false))
            {
                turns.Add(turn);
                WriteRow(pipeline, CacheTurn.From(turn.Result, turn.Scenario));
            }
            var verdict = RestartScenarioRunner.Verdict(turns);
            foreach (var summary in ScenarioSummary.From(turns))
                pipeline.WriteObject(ScenarioComparison.From(summary, summary.Scenario == RestartScenarioRunner.Warm ? verdict : null));
        });
    }

    private void RunReplay()
    {
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Replay!);
        WriteVerbose($"Reading the recorded session {path}.");
        var requests = ReplayTrace.Read(path);
        WriteVerbose($"{requests.Count} recorded requests: " +
                     string.Join(", ", requests.GroupBy(r => r.Kind).Select(g => $"{g.Count()} {g.Key}")) + ".");
        var modes = Mode.Select(m => ConfigResolver.ParseMode(m, "-Mode")).Distinct().ToArray();
        // Every mode's settings as Start-AnyClaude would resolve them: a background policy may route to another mode.
        var config = ConfigResolver.Resolve(new ConfigParameters(Mode: ModeNames.ToEnvironmentName(modes[0])));
        var backends = config.Backends.ToDictionary(p => p.Key, p => p.Value.ToSettings());
        foreach (var mode in modes)
        {
            var b = backends[mode];
            WriteVerbose(Direct
                ? $"{mode}: straight at {b.BaseUrl}, model {b.Model ?? "<backend's choice>"}."
                : $"{mode}: through a private proxy to {b.BaseUrl}, model {b.Model ?? "<backend's choice>"}, background requests {b.EffectiveBackgroundRequests}.");
        }

        var options = new ReplayOptions { Requests = requests, Modes = modes, Backends = backends, Direct = Direct, MaxOutputTokens = MaxOutputTokens };
        Await(async (pipeline, cancellationToken) =>
        {
            var results = new List<ReplayRequestResult>();
            await foreach (var result in ReplayRunner.RunAsync(options, pipeline.ProgressOf(ProgressId), cancellationToken).ConfigureAwait(false))
            {
                if (results.Count > 0 && results[^1].Mode != result.Mode)
                {
                    pipeline.WriteObject(ReplayComparison.From(ReplaySummary.From(results)));
                    results.Clear();
                }

                results.Add(result);
                WriteRow(pipeline, ReplayedRequest.From(result));
            }

            if (results.Count > 0) pipeline.WriteObject(ReplayComparison.From(ReplaySummary.From(results)));
        });
    }

    private ErrorRecord ReplayTraceError(ReplayTraceException e)
    {
        (var id, var category) = e.Problem switch
        {
            ReplayTraceProblem.Unreadable => ("ReplayTraceUnreadable", File.Exists(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Replay!)) ? ErrorCategory.ReadError : ErrorCategory.ObjectNotFound),
            ReplayTraceProblem.NoBodies => ("ReplayTraceWithoutBodies", ErrorCategory.InvalidData),
            _ => ("ReplayTraceCorrupt", ErrorCategory.InvalidData),
        };
        var record = new ErrorRecord(e, id, category, Replay);
        if (e.Problem == ReplayTraceProblem.NoBodies) record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = ReplayTrace.HowToRecord };
        return record;
    }

    /// <summary>The progress bar's id (Test-AnyClaudeBackend uses 1).</summary>
    private const int ProgressId = 2;

    /// <summary>A turn's or request's row: left out with -Summary (the summaries are always written).</summary>
    private void WriteRow(AsyncPipeline pipeline, object row)
    {
        if (!Summary) pipeline.WriteObject(row);
    }
}
