using System.Management.Automation;
using AnyClaude.Cmdlets.Completion;
using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Cmdlets.Diagnostics.Pipeline;
using AnyClaude.Cmdlets.Errors;
using AnyClaude.Cmdlets.Pipeline;
using AnyClaude.Diagnostics;

namespace AnyClaude.Cmdlets.Diagnostics.Commands;

/// <summary>
/// <para type="synopsis">Checks that a backend is ready for Claude Code: server, model, context window, chat, streaming, tool calls, prompt cache, and a round trip through the proxy.</para>
/// <para type="description">Runs one check after another against each mode's effective backend (the same settings Start-AnyClaude would use; -BaseUrl and -Model override them) and emits one object per check: Mode, Check, Status (Passed, Failed, Warning, Skipped), Detail, Advice and Duration (milliseconds). A dead backend fails within seconds and the remaining checks of that mode are skipped. Tool calls are skipped in analysis-only modes (MlxLm by default). The context window is compared with Claude Code's measured prompt size. The round trip goes through the proxy of this session when one is running (and no -BaseUrl or -Model is given), otherwise through a private proxy on a free loopback port. -Quiet returns only $true (nothing failed) or $false.</para>
/// </summary>
/// <example>
/// <code>Test-AnyClaudeBackend</code>
/// <para>Checks LM Studio and MLX-LM as configured and shows a table of results.</para>
/// </example>
/// <example>
/// <code>'LmStudio','MlxLm' | Test-AnyClaudeBackend | Where-Object Status -ne Passed | Format-List Mode, Check, Detail, Advice</code>
/// <para>Shows only what needs attention, with the advice for each problem.</para>
/// </example>
/// <example>
/// <code>if (-not (Test-AnyClaudeBackend MlxLm -BaseUrl http://mac-studio:8081/v1 -Quiet)) { throw 'MLX-LM is not ready' }</code>
/// <para>Uses the check as a gate in a script.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Test, "AnyClaudeBackend")]
[OutputType(typeof(BackendCheck))]
[OutputType(typeof(bool))]
public sealed class TestAnyClaudeBackendCommand : AsyncCmdlet
{
    private readonly List<BackendCheck> _all = [];

    /// <summary>
    /// <para type="description">The modes to check (LmStudio, MlxLm, OpenAICompatible, or lmstudio, mlx-lm, ...). Default: LmStudio and MlxLm.</para>
    /// </summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ModeCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Mode { get; set; } = ["LmStudio", "MlxLm"];

    /// <summary>
    /// <para type="description">The backend's base URL, overriding the configuration (for example http://localhost:1234/v1).</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? BaseUrl { get; set; }

    /// <summary>
    /// <para type="description">The model to check, overriding the configuration.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(ModelCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>
    /// <para type="description">Return a single boolean: $true when no check failed (warnings and skips allowed). With -Verbose, each failed check is named with its detail.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var mode in Mode)
        {
            DiagnosticTarget target;
            try
            {
                target = DiagnosticTargets.Resolve(mode, BaseUrl, Model);
            }
            catch (ConfigurationException e)
            {
                WriteError(ErrorRecords.Configuration(e));
                if (Quiet) _all.Add(new BackendCheck { Mode = mode, Check = CheckNames.Server, Status = BackendCheckStatus.Failed, Detail = e.Message });
                continue;
            }
            WriteVerbose($"Checking {target.Settings.Mode} at {target.Settings.BaseUrl} (model: {target.Settings.Model ?? "server default"}); round trip through {(target.Proxy is null ? "a private proxy" : target.Proxy.BaseUrl)}.");
            RunChecks(new BackendCheckOptions { Backend = target.Settings, Proxy = target.Proxy });
        }
    }

    protected override void EndProcessing()
    {
        if (Quiet) WriteObject(_all.TrueForAll(c => c.Status != BackendCheckStatus.Failed));
    }

    private void RunChecks(BackendCheckOptions options) => Await(async (pipeline, cancellationToken) =>
    {
        await foreach (var result in BackendCheckRunner.RunAsync(options, pipeline.ProgressOf(1), cancellationToken).ConfigureAwait(false))
        {
            var check = BackendCheck.From(result);
            _all.Add(check);
            if (!Quiet) pipeline.WriteObject(check);
            else if (check.Status == BackendCheckStatus.Failed) pipeline.WriteVerbose($"{check.Mode} {check.Check} failed: {check.Detail}"); // -Quiet -Verbose says why
        }
    });
}
