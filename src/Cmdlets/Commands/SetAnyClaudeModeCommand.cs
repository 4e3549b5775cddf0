using System.Management.Automation;
using AnyClaude.Cmdlets.Completion;
using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Cmdlets.Errors;
using AnyClaude.Cmdlets.Session;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Cmdlets.Commands;

/// <summary>
/// <para type="synopsis">Switches the AnyClaude mode: at once on a running proxy, and for later starts.</para>
/// <para type="description">Switches the proxy of this session without a restart (Claude Code keeps its conversation; requests
/// in flight finish where they started). With no proxy in this session, it switches a proxy running in another pwsh window
/// of the same user, through that proxy's authenticated control endpoint. It also sets $env:ANYCLAUDE_MODE (lmstudio, mlx-lm,
/// claude, ...) and remembers -BaseUrl, -Model and -ToolCalls for later starts in this session. -Persist saves the mode and
/// those settings to the user's config file, after copying an existing file to config.json.bak.</para>
/// </summary>
/// <example>
/// <code>Set-AnyClaudeMode MlxLm</code>
/// <para>Sends the next requests to mlx_lm.server (analysis only: tools are not sent).</para>
/// </example>
/// <example>
/// <code>Set-AnyClaudeMode LmStudio -BaseUrl http://gpu-box:1234/v1 -Model qwen3-coder-30b -Persist</code>
/// <para>Uses LM Studio on another machine with a given model, and saves that as the default.</para>
/// </example>
/// <example>
/// <code>Get-AnyClaudeMode MlxLm | Set-AnyClaudeMode -ToolCalls Native</code>
/// <para>Switches to MLX-LM with tool calling on (mlx-lm 0.26+ with a model that supports it).</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "AnyClaudeMode", SupportsShouldProcess = true)]
[OutputType(typeof(ModeInfo))]
public sealed class SetAnyClaudeModeCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">The mode: LmStudio, MlxLm, Claude, OpenAICompatible, AnthropicCompatible, or lmstudio, mlx-lm, claude, ...</para>
    /// </summary>
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ModeCompleter))]
    [ValidateNotNullOrEmpty]
    public string Mode { get; set; } = "";

    /// <summary>
    /// <para type="description">The backend's base URL, for example http://localhost:1234/v1 (/v1 is added to OpenAI-style URLs without a path).</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? BaseUrl { get; set; }

    /// <summary>
    /// <para type="description">The backend's model id (tab completion asks the backend).</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(ModelCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>
    /// <para type="description">Native sends Claude Code's tools to the backend; Off keeps the backend analysis-only.</para>
    /// </summary>
    [Parameter]
    public ToolCallSetting? ToolCalls { get; set; }

    /// <summary>
    /// <para type="description">How long the backend may stay silent once it has started generating before the request is
    /// abandoned with a timeout error (a hung server then frees its slot). Before the first token the proxy waits at least
    /// 10 minutes, since prompt processing can take that long. For example 00:02:00 or (New-TimeSpan -Seconds 90); at least 1 second.
    /// Config file key: backends.&lt;mode&gt;.stallTimeout (seconds).</para>
    /// </summary>
    [Parameter]
    public TimeSpan? StallTimeout { get; set; }

    /// <summary>
    /// <para type="description">Also save the mode and the given settings to the user's config file (backed up first).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Persist { get; set; }

    /// <summary>
    /// <para type="description">Emit the mode's effective settings afterwards.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        BackendMode mode;
        Uri? baseUrl;
        try
        {
            mode = ConfigResolver.ParseMode(Mode, "-Mode");
            baseUrl = BaseUrl is null ? null : BackendUrls.Parse(BaseUrl.OriginalString, mode, "-BaseUrl");
        }
        catch (ConfigurationException e)
        {
            WriteError(ErrorRecords.Configuration(e));
            return;
        }

        if (StallTimeout is { } stall && stall < TimeSpan.FromSeconds(1))
        {
            // A bare number would be taken as ticks by PowerShell's conversion: say so rather than time out at once.
            WriteError(ErrorRecords.Configuration(new ConfigurationException(
                $"-StallTimeout {stall} is shorter than 1 second; give a time span such as 00:02:00 or (New-TimeSpan -Seconds 90).", "-StallTimeout")));
            return;
        }

        ToolCallMode? toolCalls = ToolCalls is { } t ? (ToolCallMode)t : null;
        string name = ModeNames.ToEnvironmentName(mode);
        if (!ShouldProcess(mode.ToString(), "Set the AnyClaude mode"))
        {
            return;
        }

        SessionDefaults.Set(mode, baseUrl, Model, toolCalls, StallTimeout);
        Environment.SetEnvironmentVariable(EnvironmentNames.Mode, name);
        WriteVerbose($"Set {EnvironmentNames.Mode}={name} for later starts in this session.");

        if (ProxySession.Current is { } proxy)
        {
            SwitchLocal(proxy, mode, baseUrl, toolCalls);
        }
        else
        {
            SwitchRemote(mode, baseUrl, toolCalls);
        }

        if (Persist && ShouldProcess(UserConfigFile.Path, $"Save mode {name} to the AnyClaude config file"))
        {
            try
            {
                string path = UserConfigFile.Save(mode, baseUrl, Model, toolCalls, StallTimeout);
                WriteVerbose($"Saved to {path} (the previous file, if any, is in {path}.bak).");
            }
            catch (ConfigurationException e)
            {
                WriteError(ErrorRecords.Configuration(e));
            }
        }

        if (PassThru)
        {
            try
            {
                WriteObject(ModeInfoFactory.Build(ConfigResolver.Resolve(), ProxySession.Current).First(i => i.Mode == mode.ToString()));
            }
            catch (ConfigurationException e)
            {
                WriteError(ErrorRecords.Configuration(e));
            }
        }
    }

    private void SwitchLocal(ProxyServer proxy, BackendMode mode, Uri? baseUrl, ToolCallMode? toolCalls)
    {
        if (baseUrl is not null || Model is not null || toolCalls is not null || StallTimeout is not null)
        {
            proxy.Configure(Apply(proxy.GetBackend(mode), baseUrl, toolCalls));
        }

        proxy.SetMode(mode);
        WriteVerbose($"The proxy at {proxy.BaseUrl} now sends requests to {mode} at {proxy.GetBackend(mode).BaseUrl}.");
    }

    private void SwitchRemote(BackendMode mode, Uri? baseUrl, ToolCallMode? toolCalls)
    {
        IReadOnlyList<ProxyState> others = ProxyStateFile.ReadLive().Where(s => s.ProcessId != Environment.ProcessId).ToArray();
        if (others.Count == 0)
        {
            WriteVerbose("No AnyClaude proxy is running; the mode applies to the next Start-AnyClaude.");
            return;
        }

        if (StallTimeout is not null)
        {
            WriteWarning("-StallTimeout applies to this session's next start (and the config file with -Persist); the control endpoint of a proxy in another window does not carry it yet.");
        }

        foreach (ProxyState state in others)
        {
            try
            {
                var client = new ProxyControlClient(state);
                BackendSettings? settings = null;
                if (baseUrl is not null || Model is not null || toolCalls is not null)
                {
                    ProxyStatus status = Task.Run(() => client.GetStatusAsync()).GetAwaiter().GetResult();
                    BackendSettings current = status.Backends.FirstOrDefault(b => b.Mode == mode) ?? BackendSettings.Default(mode);
                    settings = Apply(current, baseUrl, toolCalls);
                }

                Task.Run(() => client.SetModeAsync(mode, settings)).GetAwaiter().GetResult();
                WriteVerbose($"Switched the proxy of process {state.ProcessId} at {state.BaseUrl} to {mode}.");
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or TaskCanceledException)
            {
                WriteError(ErrorRecords.RemoteControlFailed(state.BaseUrl, e));
            }
        }
    }

    private BackendSettings Apply(BackendSettings settings, Uri? baseUrl, ToolCallMode? toolCalls) => settings with
    {
        BaseUrl = baseUrl ?? settings.BaseUrl,
        Model = Model ?? settings.Model,
        ToolCalls = toolCalls ?? settings.ToolCalls,
        StallTimeout = StallTimeout ?? settings.StallTimeout,
    };
}
