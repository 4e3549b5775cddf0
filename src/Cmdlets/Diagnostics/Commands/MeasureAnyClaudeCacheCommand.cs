using System.Management.Automation;
using AnyClaude.Cmdlets.Completion;
using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Cmdlets.Diagnostics.Pipeline;
using AnyClaude.Cmdlets.Errors;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Diagnostics;
using AnyClaude.Diagnostics.Benchmark;

namespace AnyClaude.Cmdlets.Diagnostics.Commands;

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
[Cmdlet(VerbsDiagnostic.Measure, "AnyClaudeCache", DefaultParameterSetName = ModeSet)]
[OutputType(typeof(CacheTurn), typeof(CacheSummary), ParameterSetName = [ModeSet])]
[OutputType(typeof(CacheTurn), typeof(ScenarioComparison), ParameterSetName = [ScenarioSet])]
public sealed class MeasureAnyClaudeCacheCommand : PSCmdlet
{
    private const string ModeSet = "Mode";
    private const string ScenarioSet = "Scenario";
    private EnginePump? _pump;

    /// <summary>
    /// <para type="description">The mode to measure (default MlxLm, the mode chosen for its cache).</para>
    /// </summary>
    [Parameter(Position = 0, ParameterSetName = ModeSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ModeCompleter))]
    [ValidateNotNullOrEmpty]
    public string Mode { get; set; } = "MlxLm";

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
    /// <para type="description">Send the same turns straight to the backend's /v1/chat/completions instead of through the proxy.</para>
    /// </summary>
    [Parameter(ParameterSetName = ModeSet)]
    public SwitchParameter Direct { get; set; }

    /// <summary>
    /// <para type="description">Replay the hybrid session (MlxLm ×3, LmStudio, MlxLm) and compare it with staying in one mode.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ScenarioSet)]
    public SwitchParameter Scenario { get; set; }

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
            else RunBenchmark();
        }
        catch (ConfigurationException e)
        {
            WriteError(ErrorRecords.Configuration(e));
        }
        catch (BenchmarkException e)
        {
            WriteError(new ErrorRecord(e, "BenchmarkTurnFailed", ErrorCategory.ConnectionError, Scenario ? "Scenario" : Mode)
            {
                ErrorDetails = new ErrorDetails($"{e.Message} Run Test-AnyClaudeBackend to see what is wrong with the backend."),
            });
        }
    }

    protected override void StopProcessing() => _pump?.Cancel();

    private int? PromptTokens => PromptSize > 0 ? PromptSize : null;

    private void RunBenchmark()
    {
        var target = DiagnosticTargets.Resolve(Mode, BaseUrl, Model);
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
        Pump(async (pump, token) =>
        {
            await foreach (var turn in CacheBenchmarkRunner.RunAsync(options, pump.Progress, token).ConfigureAwait(false))
            {
                turns.Add(turn);
                pump.Post(CacheTurn.From(turn));
            }
            pump.Post(CacheSummary.From(CacheBenchmarkSummary.From(turns)));
        });
    }

    private void RunScenario()
    {
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
        Pump(async (pump, token) =>
        {
            await foreach (var turn in HybridScenarioRunner.RunAsync(options, pump.Progress, token).ConfigureAwait(false))
            {
                turns.Add(turn);
                pump.Post(CacheTurn.From(turn.Result, turn.Scenario));
            }
            var summaries = ScenarioSummary.From(turns);
            var verdict = ScenarioSummary.Verdict(summaries);
            foreach (var summary in summaries)
                pump.Post(ScenarioComparison.From(summary, summary.Scenario == ScenarioSummary.Hybrid ? verdict : null));
        });
    }

    private void Pump(Func<EnginePump, CancellationToken, Task> work)
    {
        using var pump = new EnginePump();
        _pump = pump;
        try
        {
            pump.Run(token => work(pump, token), item =>
            {
                switch (item)
                {
                    case DiagnosticProgress p:
                        WriteProgress(EnginePump.ToRecord(2, p));
                        break;
                    case CacheTurn t when !Summary:
                        WriteObject(t);
                        break;
                    case CacheSummary or ScenarioComparison:
                        WriteObject(item);
                        break;
                }
            });
        }
        finally
        {
            _pump = null;
        }
    }
}
