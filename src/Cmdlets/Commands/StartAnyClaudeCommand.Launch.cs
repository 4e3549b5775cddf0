using System.Management.Automation;
using AnyClaude.Cmdlets.Backends;
using AnyClaude.Cmdlets.Errors;
using AnyClaude.Cmdlets.Launch;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Cmdlets.Commands;

// Start-AnyClaude's launch: the backend check before Claude Code takes the screen, its status line, its run.
// (A plain comment: the cmdlet's help comes from the other part's doc comment.)
public sealed partial class StartAnyClaudeCommand
{
    /// <summary>The pwsh of this session ($PSHOME), to run a claude.ps1 with (see PowerShellLaunch.PwshCommand).</summary>
    private IReadOnlyList<string> CurrentPwsh() =>
        PowerShellLaunch.PwshCommand(SessionState.PSVariable.GetValue("PSHOME") as string, Environment.ProcessPath,
            OperatingSystem.IsWindows(), File.Exists);

    /// <summary>Says so when the mode's backend does not answer, before Claude Code takes the screen. -NoLaunch: an
    /// error, the proxy stays for when the backend comes up. Headless (-p): fails fast. Interactive: asks whether to
    /// launch anyway (-Force: launches). Returns false when Claude Code must not be launched.</summary>
    private bool CheckBackend(ProxyServer proxy)
    {
        var backend = proxy.ActiveBackend;
        if (backend.SpeaksMessagesApi)
        {
            return true;
        }

        WriteVerbose($"Checking that the {backend.Mode} backend answers at {backend.BaseUrl}.");
        if (Await((_, cancellationToken) => BackendModels.ProbeAsync(backend, TimeSpan.FromSeconds(3), cancellationToken)) is not { } problem)
        {
            return true;
        }

        var unreachable = ErrorRecords.BackendUnreachable(backend.Mode.ToString(), backend.BaseUrl, problem);
        if (NoLaunch)
        {
            WriteError(unreachable);
            return true;
        }

        if (ClaudeArguments.IsHeadless(ArgumentList))
        {
            ThrowTerminatingError(unreachable);
        }

        if (Force)
        {
            WriteWarning(unreachable.Exception.Message + " Launching Claude Code anyway (-Force).");
            return true;
        }

        bool launch;
        try
        {
            launch = ShouldContinue(unreachable.Exception.Message + " Claude Code's requests will fail until it answers." +
                                    Environment.NewLine + "Launch Claude Code anyway? (-Force skips this question)",
                                    $"The {backend.Mode} backend does not answer");
        }
        catch (Exception e) when (e is PSInvalidOperationException or System.Management.Automation.Host.HostException or NotImplementedException)
        {
            // A host that cannot ask (pwsh -NonInteractive, a job): the error, not a hang or a silent launch.
            ThrowTerminatingError(unreachable);
            throw; // unreachable: ThrowTerminatingError always throws
        }

        if (!launch)
        {
            WriteWarning($"Claude Code was not launched. Start the {backend.Mode} backend, then run Start-AnyClaude again (or Test-AnyClaudeBackend {backend.Mode} to see what is missing).");
        }

        return launch;
    }

    /// <summary>The proxy's status-line settings to add with --settings, unless -NoStatusLine, a headless run (no
    /// status line to show) or the user's own --settings (Claude Code takes one); null when there are none.</summary>
    private string? StatusLineSettings(ProxyServer proxy)
    {
        if (NoStatusLine || ClaudeArguments.IsHeadless(ArgumentList))
        {
            return null;
        }

        if (ClaudeArguments.HasSettings(ArgumentList))
        {
            WriteVerbose("-ArgumentList has its own --settings: the proxy's status line and /model picker rows are not added.");
            return null;
        }

        if (proxy.StatusLineSettingsPath is not { } settings)
        {
            WriteVerbose("The proxy keeps no status line (no state file, or a path no shell command can carry).");
            return null;
        }

        WriteVerbose($"Claude Code's status line reads {proxy.StatusLinePath} (settings: {settings}).");
        return settings;
    }

    /// <summary>The /model picker's rows, role names and permission mode for Claude Code (ModelEnvironment).</summary>
    private ModelEnvironment PrepareModels(ProxyServer proxy, Dictionary<string, string?> environment)
    {
        var catalog = Await((_, cancellationToken) => proxy.GetModelCatalogAsync(cancellationToken));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
        var configDirectory = Environment.GetEnvironmentVariable("CLAUDE_CONFIG_DIR") is { Length: > 0 } dir ? dir : Path.Combine(home, ".claude");
        var settingsPath = Path.Combine(AnyClaude.Proxy.Control.ProxyStateFile.Directory,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"claude-{Environment.ProcessId}-{proxy.Port}.settings.json"));
        var models = ModelEnvironment.Prepare(environment, proxy.ActiveBackend, catalog, StatusLineSettings(proxy), settingsPath,
            ArgumentList ?? [], Environment.GetEnvironmentVariable, configDirectory, id => proxy.ModelChosen(id));
        WriteVerbose($"Claude Code's /model picker lists {catalog.Count} route(s): {string.Join(", ", catalog.Select(r => r.Id))}.");
        // Said before Claude Code takes the screen (the issue asks that the user is told which mode and why).
        if (models.AutoModeOff is { } why) Host?.UI?.WriteLine(why);
        return models;
    }

    private void Launch(ProxyServer proxy, string claude)
    {
        if (!ShouldProcess(claude, $"Launch Claude Code against {proxy.BaseUrl}"))
        {
            return;
        }

        // The window Claude Code should compact before: the mode's contextWindow, else what the backend reports.
        var contextWindow = proxy.ActiveBackend.IsLocal ? Await((_, cancellationToken) => proxy.GetContextWindowAsync(proxy.ActiveBackend, cancellationToken)) : null;
        var environment = new Dictionary<string, string?>(ClaudeEnvironment.For(proxy.BaseUrl, proxy.Token, proxy.ActiveBackend, Model, contextWindow, ClaudeVersion.Of(claude)), StringComparer.Ordinal);
        var models = PrepareModels(proxy, environment);
        WriteVerbose($"Launching {claude} with {ArgumentList.Length} argument(s); environment: " +
                     string.Join(", ", environment.Select(p => p.Value is null ? $"-{p.Key}" : p.Key == "ANTHROPIC_AUTH_TOKEN" ? $"{p.Key}=<proxy token>" : $"{p.Key}={p.Value}")));

        var launchedAt = DateTimeOffset.Now;
        ClaudeProcess process;
        try
        {
            process = ClaudeProcess.Start(claude, models.Arguments.Concat(ArgumentList ?? []).ToArray(), environment, SessionState.Path.CurrentFileSystemLocation.ProviderPath, CurrentPwsh());
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or ArgumentException)
        {
            models.Restore();
            ThrowTerminatingError(ErrorRecords.ClaudeStartFailed(claude, e));
            return;
        }

        int? exitCode;
        try
        {
            exitCode = process.WaitForExit(PipelineStopToken);
        }
        finally
        {
            models.Restore();
        }
        var endedAt = DateTimeOffset.Now;
        if (exitCode is null)
        {
            // Ctrl+C: claude was ended; the pipeline is stopping, so nothing more is written.
            return;
        }

        WriteVerbose($"Claude Code exited with code {exitCode}.");
        SessionState.PSVariable.Set("global:LASTEXITCODE", exitCode.Value);
        if (PassThru)
        {
            var records = proxy.GetRecords().Where(r => r.Time >= launchedAt).ToArray();
            WriteObject(SessionSummary.From(launchedAt, endedAt, records, exitCode));
        }
    }
}
