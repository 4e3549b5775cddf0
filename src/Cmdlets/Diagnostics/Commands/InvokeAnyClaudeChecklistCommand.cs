using System.Collections;
using System.Management.Automation;

namespace AnyClaude.Cmdlets.Diagnostics.Commands;

/// <summary>
/// <para type="synopsis">Runs the AnyClaude deployment checklist (Pester 5) and returns Pester's result.</para>
/// <para type="description">Verifies what users check before relying on the hybrid setup: both servers are up (LM Studio on 1234 and mlx_lm.server on 8081, or as configured), MLX-LM follow-ups are served from the cache (warm time to first token at most -WarmFraction of the cold one), LM Studio tool calls work, and switching modes through a running proxy works (the session's proxy, or one started and stopped for the run; the mode is restored afterwards). The checklist ships in the module's Checklist folder. Returns the object Invoke-Pester -PassThru returns (Result, PassedCount, FailedCount, Tests, ...); -OutputFormat and -OutputPath also write an NUnit or JUnit XML report for CI. Needs Pester 5 (Install-Module Pester -MinimumVersion 5.0).</para>
/// </summary>
/// <example>
/// <code>Invoke-AnyClaudeChecklist</code>
/// <para>Runs the checklist against the configured backends and prints Pester's report.</para>
/// </example>
/// <example>
/// <code>$r = Invoke-AnyClaudeChecklist -WarmFraction 0.2 -OutputFormat JUnitXml -OutputPath ./checklist.xml -Verbosity None; $r.Result</code>
/// <para>A stricter cache requirement, a JUnit report for CI, and only the result object.</para>
/// </example>
/// <example>
/// <code>Invoke-AnyClaudeChecklist -LmStudioUrl http://gpu-box:1234/v1 -MlxLmUrl http://mac-studio:8081/v1</code>
/// <para>Checks servers on other machines.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "AnyClaudeChecklist")]
[OutputType(typeof(PSObject))]
public sealed class InvokeAnyClaudeChecklistCommand : PSCmdlet
{
    internal const string ChecklistFile = "AnyClaude.Checklist.Tests.ps1";

    // Runs on the pipeline thread, in this runspace, so the checklist sees this session's proxy and module.
    private const string RunScript = """
        param($Path, $Data, $OutputFormat, $OutputPath, $Verbosity)
        $pester = Get-Module Pester | Where-Object { $_.Version.Major -ge 5 } | Select-Object -First 1
        if (-not $pester) {
            $pester = Get-Module Pester -ListAvailable | Where-Object { $_.Version.Major -ge 5 } | Sort-Object Version -Descending | Select-Object -First 1
            if (-not $pester) { throw [System.IO.FileNotFoundException]::new('Pester 5 is not installed. Install it with: Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser') }
            Import-Module $pester -Global -ErrorAction Stop
        }
        $configuration = New-PesterConfiguration
        $configuration.Run.Container = New-PesterContainer -Path $Path -Data $Data
        $configuration.Run.PassThru = $true
        $configuration.Output.Verbosity = $Verbosity
        if ($OutputFormat) {
            $configuration.TestResult.Enabled = $true
            $configuration.TestResult.OutputFormat = $OutputFormat
            $configuration.TestResult.OutputPath = $OutputPath
        }
        Invoke-Pester -Configuration $configuration
        """;

    /// <summary><para type="description">LM Studio's base URL (default: as configured, http://localhost:1234/v1).</para></summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? LmStudioUrl { get; set; }

    /// <summary><para type="description">The LM Studio model to check (default: as configured, or the loaded one).</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LmStudioModel { get; set; }

    /// <summary><para type="description">mlx_lm.server's base URL (default: as configured, http://localhost:8081/v1).</para></summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? MlxLmUrl { get; set; }

    /// <summary><para type="description">The MLX-LM model (default: as configured, or the server's own).</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MlxLmModel { get; set; }

    /// <summary><para type="description">The cache passes when warm time to first token is at most this fraction of the cold one (default 0.5).</para></summary>
    [Parameter]
    [ValidateRange(0.001, 1.0)]
    public double WarmFraction { get; set; } = 0.5;

    /// <summary><para type="description">Turns of the cache benchmark (default 3: one cold, two warm).</para></summary>
    [Parameter]
    [ValidateRange(2, 50)]
    public int Turns { get; set; } = 3;

    /// <summary><para type="description">Tokens of the benchmark's fixed prompt (default: Claude Code's measured size).</para></summary>
    [Parameter]
    [ValidateRange(256, 1_000_000)]
    public int PromptSize { get; set; }

    /// <summary><para type="description">Also write a test report in this format (NUnitXml, NUnit2.5, NUnit3 or JUnitXml).</para></summary>
    [Parameter]
    [ValidateSet("NUnitXml", "NUnit2.5", "NUnit3", "JUnitXml")]
    public string? OutputFormat { get; set; }

    /// <summary><para type="description">Where to write the report (default ./AnyClaude.Checklist.xml when -OutputFormat is given).</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputPath { get; set; }

    /// <summary><para type="description">Pester's console output: None, Normal (default), Detailed or Diagnostic.</para></summary>
    [Parameter]
    [ValidateSet("None", "Normal", "Detailed", "Diagnostic")]
    public string Verbosity { get; set; } = "Normal";

    protected override void EndProcessing()
    {
        var checklist = Path.Combine(MyInvocation.MyCommand.Module?.ModuleBase ?? Path.GetDirectoryName(typeof(InvokeAnyClaudeChecklistCommand).Assembly.Location)!,
            "Checklist", ChecklistFile);
        if (!File.Exists(checklist))
        {
            ThrowTerminatingError(new ErrorRecord(new FileNotFoundException($"The checklist is missing from the module ({checklist}). Reinstall the AnyClaude module."),
                "ChecklistMissing", ErrorCategory.ObjectNotFound, checklist));
        }

        var report = OutputFormat is null ? null
            : SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputPath ?? "AnyClaude.Checklist.xml");
        var data = new Hashtable
        {
            ["LmStudioUrl"] = LmStudioUrl?.ToString() ?? "",
            ["LmStudioModel"] = LmStudioModel ?? "",
            ["MlxLmUrl"] = MlxLmUrl?.ToString() ?? "",
            ["MlxLmModel"] = MlxLmModel ?? "",
            ["WarmFraction"] = WarmFraction,
            ["Turns"] = Turns,
            ["PromptSize"] = PromptSize,
        };
        WriteVerbose($"Running {checklist}{(report is null ? "" : $", {OutputFormat} report to {report}")}.");
        try
        {
            foreach (var result in InvokeCommand.InvokeScript(false, ScriptBlock.Create(RunScript), null, checklist, data, OutputFormat, report, Verbosity))
                WriteObject(result);
        }
        catch (RuntimeException e) when (e.InnerException is FileNotFoundException || e.Message.Contains("Pester 5", StringComparison.Ordinal))
        {
            ThrowTerminatingError(new ErrorRecord(e, "PesterNotFound", ErrorCategory.NotInstalled, "Pester"));
        }
    }
}
