using System.Globalization;
using System.Management.Automation;
using AnyClaude.Cmdlets.Completion;
using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Cmdlets.Errors;
using AnyClaude.Cmdlets.Launch;
using AnyClaude.Cmdlets.Pipeline;
using AnyClaude.Cmdlets.Session;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Cmdlets.Commands;

// Over 300 lines for a reason: 12 parameters with their help text (81 lines). The launch is in StartAnyClaudeCommand.Launch.cs.

/// <summary>
/// <para type="synopsis">Starts the AnyClaude proxy and runs Claude Code against it.</para>
/// <para type="description">Starts the loopback proxy (or reuses the one already running in this pwsh session) and
/// launches Claude Code on the current console with its own environment: ANTHROPIC_BASE_URL points at the proxy,
/// ANTHROPIC_AUTH_TOKEN holds the proxy token, ANTHROPIC_API_KEY is removed, and every Claude Code model role is
/// sent to the proxy. The session's own environment is not changed. Start-AnyClaude waits for Claude Code to exit,
/// sets $LASTEXITCODE to its exit code, and stops a proxy it started. With -NoLaunch it only starts the proxy and
/// emits it, so any client or script can use it until Stop-AnyClaude, Remove-Module or the end of the session.</para>
/// </summary>
/// <example>
/// <code>Set-AnyClaudeMode MlxLm; Start-AnyClaude</code>
/// <para>Runs Claude Code interactively against mlx_lm.server.</para>
/// </example>
/// <example>
/// <code>$proxy = Start-AnyClaude LmStudio -NoLaunch; $proxy.BaseUrl.AbsoluteUri</code>
/// <para>Starts only the proxy, in LM Studio mode, and shows the URL clients should use (the token is $proxy.Token).</para>
/// </example>
/// <example>
/// <code>Start-AnyClaude -Mode LmStudio -ArgumentList '-p', 'Summarise README.md' -PassThru</code>
/// <para>Runs Claude Code headless with a prompt, then emits a summary of the requests, tokens and cache hits.</para>
/// </example>
/// <example>
/// <code>Start-AnyClaude MlxLm -TracePath ~/session.jsonl -TraceLevel Replay; Measure-AnyClaudeCache -Replay ~/session.jsonl -Mode LmStudio, MlxLm</code>
/// <para>Records the session's requests as Claude Code sent them (secrets masked), then replays them against both local
/// backends to compare the time you would wait and the prompt tokens each must process again.</para>
/// </example>
/// <example>
/// <code>Start-AnyClaude MlxLm -Force</code>
/// <para>Launches Claude Code even when mlx_lm.server does not answer yet (without -Force, Start-AnyClaude says so and asks;
/// a headless run with -p fails at once). Claude Code's status line shows mode · model · cached share or prefill time ·
/// tokens/s · errors; -NoStatusLine leaves it out.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Start, "AnyClaude", SupportsShouldProcess = true, DefaultParameterSetName = LaunchSet)]
[OutputType(typeof(SessionSummary), ParameterSetName = [LaunchSet])]
[OutputType(typeof(ProxyInfo), ParameterSetName = [NoLaunchSet])]
public sealed partial class StartAnyClaudeCommand : AsyncCmdlet
{
    private const string LaunchSet = "Launch";
    private const string NoLaunchSet = "NoLaunch";

    /// <summary>
    /// <para type="description">The backend mode: LmStudio, MlxLm, Claude, OpenAICompatible, AnthropicCompatible, or a name
    /// ANYCLAUDE_MODE accepts (lmstudio, mlx-lm, claude). Default: ANYCLAUDE_MODE, then the config file, then LmStudio.</para>
    /// </summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(ModeCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Mode { get; set; }

    /// <summary>
    /// <para type="description">The backend model id for this mode (tab completion asks the backend). Default: LMSTUDIO_MODEL /
    /// MLX_LM_MODEL, the config file, or the backend's loaded model.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(ModelCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>
    /// <para type="description">The loopback port for the proxy; 0 picks a free one. Default: ANYCLAUDE_PORT, the config file, or 0.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; }

    /// <summary>
    /// <para type="description">The Claude Code executable: claude, claude.exe, npm's claude.cmd (run through cmd.exe) or claude.ps1 (run through this pwsh). Default: the first on PATH (on Windows claude.exe, then claude.cmd, then claude.ps1), else ~/.local/bin, where the native installer puts it (%USERPROFILE%\.local\bin on Windows).</para>
    /// </summary>
    [Parameter(ParameterSetName = LaunchSet)]
    [ValidateNotNullOrEmpty]
    public string? ClaudePath { get; set; }

    /// <summary>
    /// <para type="description">Arguments passed to Claude Code as they are, for example '-p', 'prompt', '--output-format', 'json'.</para>
    /// </summary>
    [Parameter(ParameterSetName = LaunchSet)]
    [Alias("Args")]
    public string[] ArgumentList { get; set; } = [];

    /// <summary>
    /// <para type="description">Start only the proxy and emit it (BaseUrl, Port, Token, Mode, Model, StartedAt); Claude Code is not launched.</para>
    /// </summary>
    [Parameter(ParameterSetName = NoLaunchSet, Mandatory = true)]
    public SwitchParameter NoLaunch { get; set; }

    /// <summary>
    /// <para type="description">After Claude Code exits, emit a session summary: duration, requests, errors, tokens, cache-hit ratio,
    /// median time to first token, per mode.</para>
    /// </summary>
    [Parameter(ParameterSetName = LaunchSet)]
    public SwitchParameter PassThru { get; set; }

    /// <summary>
    /// <para type="description">Do not show the proxy's status line in Claude Code. By default Claude Code is launched with
    /// --settings adding a status line (mode, model, the last turn's cached share or prefill time, tokens/s, errors);
    /// your own settings files are never changed.</para>
    /// </summary>
    [Parameter(ParameterSetName = LaunchSet)]
    public SwitchParameter NoStatusLine { get; set; }

    /// <summary>
    /// <para type="description">Launch Claude Code even when the mode's backend does not answer, without asking.</para>
    /// </summary>
    [Parameter(ParameterSetName = LaunchSet)]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// <para type="description">Prewarm the target of every mode switch, as Set-AnyClaudeMode -Prewarm does: on Set-AnyClaudeMode, and when
    /// /model in Claude Code names a model of another mode (Claude Code checks the model with a one-token request as soon as you type it;
    /// the proxy then sends the current conversation to that mode's backend with max_tokens 1 while you confirm and type), so the first
    /// turn there is served from its prompt cache. A prewarm waits until that backend is idle. Also set by "prewarm": true in the config file.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Prewarm { get; set; }

    /// <summary>
    /// <para type="description">No warm start: by default (local modes) Start-AnyClaude sends the backend the stable head of the last
    /// session in this folder (system prompt and tools; with --continue/--resume the resumed conversation) with max_tokens 1 before
    /// Claude Code is up, so the first prompt is served from the cache, and after a sub-agent ran on a one-slot backend it warms
    /// the main conversation again. Config file: "warmStart": false. What is remembered is in the private state folder
    /// (warm/head-*.json); Stop-AnyClaude -Forget deletes it.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter NoPrewarm { get; set; }

    /// <summary>
    /// <para type="description">Write a JSON-lines trace of the proxy's requests to this file (appended; a new file is readable
    /// only by you). What each line holds is set by -TraceLevel. Applies when this command starts the proxy.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TracePath { get; set; }

    /// <summary>
    /// <para type="description">What the trace (-TracePath) holds: Basic, one record per request (kind, mode, model, time to first
    /// token, tokens); Replay, the records plus Claude Code's own request bodies before translation, secrets masked, for
    /// Measure-AnyClaudeCache -Replay; Debug, all that plus the bodies sent to and received from the backend. Default: Basic.</para>
    /// </summary>
    [Parameter]
    public TraceLevelSetting TraceLevel { get; set; } = TraceLevelSetting.Basic;

    protected override void EndProcessing()
    {
        EffectiveConfiguration config;
        try
        {
            config = ConfigResolver.Resolve(new ConfigParameters(
                Mode: Mode, Port: MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : null, Model: Model));
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Prewarm)))
                config = config with { Prewarm = new(Prewarm.IsPresent, ConfigSource.Parameter) };
            if (NoPrewarm)
                config = config with { WarmStart = new(false, ConfigSource.Parameter) };
        }
        catch (ConfigurationException e)
        {
            ThrowTerminatingError(ErrorRecords.Configuration(e));
            return;
        }

        if (MyInvocation.BoundParameters.ContainsKey(nameof(TraceLevel)) && TracePath is null)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-TraceLevel needs -TracePath: the file the trace is written to."),
                "TraceLevelWithoutPath", ErrorCategory.InvalidArgument, TraceLevel));
        }

        string? claude = null;
        if (!NoLaunch)
        {
            claude = ClaudeLocator.Find(ClaudePath, SessionState.Path.CurrentFileSystemLocation.ProviderPath, out var searched);
            if (claude is null)
            {
                ThrowTerminatingError(ErrorRecords.ClaudeNotFound(searched));
            }
        }

        var proxy = ProxySession.Current;
        var startedHere = false;
        if (proxy is null)
        {
            var target = $"127.0.0.1:{(config.Port.Value == 0 ? "<free port>" : config.Port.Value.ToString(CultureInfo.InvariantCulture))}";
            if (!ShouldProcess(target, $"Start the AnyClaude proxy in {config.Mode.Value} mode"))
            {
                return;
            }

            proxy = StartProxy(config);
            startedHere = true;
        }
        else
        {
            ReuseProxy(proxy, config);
        }

        try
        {
            if (!CheckBackend(proxy))
            {
                return;
            }

            if (NoLaunch)
            {
                WriteObject(ProxyInfo.From(proxy));
                return;
            }

            var warm = WarmStartKey(proxy, claude!, config);
            StartWarm(proxy, warm);
            try
            {
                Launch(proxy, claude!);
            }
            finally
            {
                RememberWarm(proxy, warm);
            }
        }
        finally
        {
            if (startedHere && !NoLaunch)
            {
                // Stop first: once the pipeline is stopping (Ctrl+C), any Write* throws.
                var port = proxy.Port;
                ProxySession.Stop();
                if (!Stopping)
                {
                    WriteVerbose($"Stopped the proxy on port {port} that this command started.");
                }
            }
        }
    }

    private ProxyServer StartProxy(EffectiveConfiguration config)
    {
        WriteVerbose($"Starting the proxy on 127.0.0.1:{config.Port.Value} (port from {config.Port.Source}); mode {config.Mode.Value} " +
                     $"(from {config.Mode.Source}) → {config.Active.BaseUrl.Value}, model {config.Active.Model.Value ?? "<backend's choice>"}.");
        try
        {
            // With the warm-up: the proxy runs its request path once while Claude Code starts, so the first turn pays no JIT.
            var options = config.ToProxyOptions(publishStateFile: true, ReadNamedSecrets(config)) with { WarmUp = true };
            if (TracePath is not null)
            {
                var trace = SessionState.Path.GetUnresolvedProviderPathFromPSPath(TracePath);
                WriteVerbose($"Tracing requests to {trace} at level {TraceLevel}.");
                options = options with { TracePath = trace, TraceLevel = Enum.Parse<TraceLevel>(TraceLevel.ToString()) };
            }

            var proxy = ProxySession.Start(options);
            WriteVerbose($"The proxy listens at {proxy.BaseUrl}.");
            if (proxy.ListenerLimitation is { } limitation)
            {
                WriteVerbose(limitation);
            }

            return proxy;
        }
        catch (ProxyStartException e) when (e.InnerException is ArgumentException bad)
        {
            // A backend setting the engine refused (an unreadable caCertificate PEM, ...), not the port.
            ThrowTerminatingError(ErrorRecords.Configuration(new ConfigurationException(e.Message, config.ConfigFilePath, bad)));
            throw; // unreachable
        }
        catch (ProxyStartException e)
        {
            ThrowTerminatingError(e.Reason == ProxyStartFailure.PortInUse ? ErrorRecords.PortInUse(config.Port.Value, e) : ErrorRecords.ProxyStartFailed(config.Port.Value, e));
            throw; // unreachable: ThrowTerminatingError always throws
        }
    }

    /// <summary>Keys from the SecretManagement secrets the configuration names (Get-Secret is called only for those).
    /// The active mode's secret must be readable; another mode's failure is a warning and leaves that mode keyless.</summary>
    private Dictionary<BackendMode, string> ReadNamedSecrets(EffectiveConfiguration config)
    {
        var keys = new Dictionary<BackendMode, string>();
        foreach (var backend in config.Backends.Values)
        {
            if (backend.ApiKeySecret is not { Value: { } name } secret)
            {
                continue;
            }

            var setting = secret.Source == ConfigSource.Session
                ? $"Set-AnyClaudeMode {backend.Mode} -ApiKeySecret"
                : $"\"backends.{RemoteBackendKeys.ConfigKey(backend.Mode)}.apiKeySecret\" in {config.ConfigFilePath}";
            try
            {
                WriteVerbose($"Reading the {backend.Mode} API key from the secret '{name}' ({setting}).");
                keys[backend.Mode] = SecretReader.Read(this, name, setting);
            }
            catch (SecretUnavailableException e) when (backend.Mode != config.Mode.Value)
            {
                WriteWarning($"{e.Message} The {backend.Mode} mode has no API key until then.");
            }
            catch (SecretUnavailableException e)
            {
                ThrowTerminatingError(ErrorRecords.SecretUnavailable(e));
            }
        }

        return keys;
    }

    private void ReuseProxy(ProxyServer proxy, EffectiveConfiguration config)
    {
        WriteVerbose($"Reusing the proxy already running in this session at {proxy.BaseUrl}.");
        if (TracePath is not null)
        {
            WriteWarning($"The proxy of this session already runs; -TracePath {TracePath} is ignored. Stop-AnyClaude first to trace a new proxy.");
        }

        if (MyInvocation.BoundParameters.ContainsKey(nameof(Port)) && Port != 0 && Port != proxy.Port)
        {
            WriteWarning($"The proxy of this session already listens on port {proxy.Port}; -Port {Port} is ignored. Stop-AnyClaude first to change ports.");
        }

        if (Model is not null)
        {
            proxy.Configure(proxy.GetBackend(config.Mode.Value) with { Model = Model });
        }

        if (Mode is not null && proxy.Mode != config.Mode.Value && ShouldProcess(proxy.BaseUrl.ToString(), $"Switch the proxy to {config.Mode.Value}"))
        {
            WriteVerbose($"Switching the proxy from {proxy.Mode} to {config.Mode.Value}.");
            proxy.SetMode(config.Mode.Value);
        }
    }
}
