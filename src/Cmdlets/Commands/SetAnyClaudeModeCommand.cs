using System.Management.Automation;
using AnyClaude.Cmdlets.Completion;
using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Cmdlets.Errors;
using AnyClaude.Cmdlets.Pipeline;
using AnyClaude.Cmdlets.Session;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Cmdlets.Commands;

// Over 300 lines for a reason: 13 parameters with their help text (82 lines of it; the MAML help is generated from it).
// The work itself is small: parse the parameters into one BackendOverride, then switch this session's or other windows' proxies.

/// <summary>
/// <para type="synopsis">Switches the AnyClaude mode: at once on a running proxy, and for later starts.</para>
/// <para type="description">Switches the proxy of this session without a restart (Claude Code keeps its conversation; requests
/// in flight finish where they started). With no proxy in this session, it switches a proxy running in another pwsh window
/// of the same user, through that proxy's authenticated control endpoint. It also sets $env:ANYCLAUDE_MODE (lmstudio, mlx-lm,
/// claude, ...) and remembers -BaseUrl, -Model, -ToolCalls and -ToolHistory for later starts in this session. -Persist saves the mode and
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
/// <example>
/// <code>Set-AnyClaudeMode LmStudio -ToolHistory Text -Persist</code>
/// <para>For a model whose chat template rejects role "tool" or needs alternating roles (Gemma 3): earlier tool calls
/// and results are sent as text. docs/models.md lists which models need it.</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "AnyClaudeMode", SupportsShouldProcess = true)]
[OutputType(typeof(ModeInfo))]
public sealed class SetAnyClaudeModeCommand : AsyncCmdlet
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
    /// <para type="description">The name of a SecretManagement secret holding this mode's API key (read with Get-Secret, now for a
    /// running proxy, else when the proxy starts). With -BaseUrl, this is how a key goes with a URL set from another window: a URL
    /// changed there carries no key otherwise.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiKeySecret { get; set; }

    /// <summary>
    /// <para type="description">A PEM file of certificates to trust for this backend's HTTPS (your team's CA, or the server's
    /// self-signed certificate), in addition to the system's. Applies to this session's proxy and later starts.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CaCertificate { get; set; }

    /// <summary>
    /// <para type="description">How many requests this backend serves at once (the rest wait). Default: 1 for a loopback backend,
    /// 4 for a remote one.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int? MaxConcurrency { get; set; }

    /// <summary>
    /// <para type="description">What happens to Claude Code's background requests (session titles, topic detection, summaries) while
    /// this mode is active: AnswerLocally (default for local modes) answers title requests at once with a title taken from the user's
    /// text and forwards the other background requests; Forward sends them where main turns go; a mode name, or mode/model, routes
    /// them there (for example mlx-lm/qwen3-0.6b while LM Studio edits). Background requests never queue ahead of a main turn, and
    /// anything Claude Code may base a safety decision on (permission or command-prefix checks) is always forwarded.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(BackgroundPolicyCompleter))]
    [ValidateNotNullOrEmpty]
    public string? BackgroundRequests { get; set; }

    /// <summary>
    /// <para type="description">Where Claude Code's sub-agent requests (the Task/Agent tool's own conversations) go while this mode is
    /// active: Forward (default) sends them to this mode's backend; a mode name, or mode/model, routes them there (for example
    /// mlx-lm/qwen3-0.6b while LM Studio edits), so a one-slot backend keeps the main conversation cached. After a sub-agent ran on
    /// a one-slot backend the proxy prewarms the main conversation before its next turn.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(SubAgentPolicyCompleter))]
    [ValidateNotNullOrEmpty]
    public string? SubAgentRequests { get; set; }

    /// <summary>
    /// <para type="description">Prewarm the target backend: the proxy sends the current conversation, translated for it, with max_tokens 1
    /// while you type, so the first turn after the switch is served from its prompt cache instead of a cold prefill. It starts only once
    /// that backend is idle and never runs alongside a request on it. Opt-in; for the proxy of this session (always on when it was started
    /// with Start-AnyClaude -Prewarm or the config file's "prewarm": true).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Prewarm { get; set; }

    /// <summary>
    /// <para type="description">How earlier tool calls and results are sent when tools are on. Native (the default) uses tool
    /// calls and role "tool" messages; Text writes them as user/assistant text with strictly alternating roles, for chat
    /// templates that reject role "tool" or require alternation (Gemma 2/3; see docs/models.md).</para>
    /// </summary>
    [Parameter]
    public ToolHistorySetting? ToolHistory { get; set; }

    /// <summary>
    /// <para type="description">How long the backend may stay silent once it has started generating before the request is
    /// abandoned with a timeout error (a hung server then frees its slot). Before the first token the proxy waits at least
    /// 10 minutes, since prompt processing can take that long. For example 00:02:00 or (New-TimeSpan -Seconds 90); from 1 second to a day.
    /// Applies to the running proxy (this session's or another window's) and later starts. Config file key: backends.&lt;mode&gt;.stallTimeout (seconds).</para>
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
        BackendOverride values;
        try
        {
            mode = ConfigResolver.ParseMode(Mode, "-Mode");
            values = ReadOverride(mode);
        }
        catch (ConfigurationException e)
        {
            WriteError(ErrorRecords.Configuration(e));
            return;
        }

        var name = ModeNames.ToEnvironmentName(mode);
        if (!ShouldProcess(mode.ToString(), "Set the AnyClaude mode"))
        {
            return;
        }

        // Without a proxy in this session, the switch goes to other windows' proxies: their state files are read once.
        var local = ProxySession.Current;
        IReadOnlyList<ProxyState> others = local is null ? ProxyStateFile.ReadLive().Where(s => s.ProcessId != Environment.ProcessId).ToArray() : [];
        string? apiKey = null;
        if (ApiKeySecret is not null && (local is not null || others.Count > 0))
        {
            try
            {
                apiKey = SecretReader.Read(this, ApiKeySecret, $"-ApiKeySecret");
            }
            catch (SecretUnavailableException e)
            {
                WriteError(ErrorRecords.SecretUnavailable(e));
                return;
            }
        }

        SessionDefaults.Set(mode, values);
        Environment.SetEnvironmentVariable(EnvironmentNames.Mode, name);
        WriteVerbose($"Set {EnvironmentNames.Mode}={name} for later starts in this session.");

        if (local is not null)
        {
            SwitchLocal(local, mode, values, apiKey);
        }
        else
        {
            SwitchRemote(others, mode, values, apiKey);
        }

        if (Persist && ShouldProcess(UserConfigFile.Path, $"Save mode {name} to the AnyClaude config file"))
        {
            try
            {
                var path = UserConfigFile.Save(mode, values);
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

    /// <summary>The parameters, parsed and checked, as one override of the mode's settings.</summary>
    private BackendOverride ReadOverride(BackendMode mode)
    {
        BackgroundPolicy? background = null;
        if (BackgroundRequests is not null)
        {
            background = BackgroundPolicy.TryParse(BackgroundRequests, out var parsed) ? parsed
                : throw new ConfigurationException($"-BackgroundRequests: '{BackgroundRequests}' must be {BackgroundPolicy.Forms}.", BackgroundRequests);
        }

        SubAgentPolicy? subAgents = null;
        if (SubAgentRequests is not null)
        {
            subAgents = SubAgentPolicy.TryParse(SubAgentRequests, out var parsed) ? parsed
                : throw new ConfigurationException($"-SubAgentRequests: '{SubAgentRequests}' must be {SubAgentPolicy.Forms}.", SubAgentRequests);
        }

        if (StallTimeout is { } stall && stall < TimeSpan.FromSeconds(1))
        {
            // A bare number would be taken as ticks by PowerShell's conversion: say so rather than time out at once.
            throw new ConfigurationException(
                $"-StallTimeout {stall} is shorter than 1 second; give a time span such as 00:02:00 or (New-TimeSpan -Seconds 90).", "-StallTimeout");
        }

        if (StallTimeout > BackendSettings.MaxStallTimeout)
        {
            // What the config file and the control plane (other windows' proxies) hold.
            throw new ConfigurationException($"-StallTimeout {StallTimeout} is longer than {BackendSettings.MaxStallTimeout}.", "-StallTimeout");
        }

        return new BackendOverride
        {
            BaseUrl = BaseUrl is null ? null : BaseUrlSetting.Parse(BaseUrl.OriginalString, mode, "-BaseUrl"),
            Model = Model,
            ToolCalls = ToolCalls is { } t ? (ToolCallMode)t : null,
            BackgroundRequests = background,
            SubAgentRequests = subAgents,
            ToolHistory = ToolHistory is { } h ? (ToolHistoryMode)h : null,
            StallTimeout = StallTimeout,
            ApiKeySecret = ApiKeySecret,
            CaCertificate = ResolveCaCertificate(),
            MaxConcurrency = MaxConcurrency,
        };
    }

    private void SwitchLocal(ProxyServer proxy, BackendMode mode, BackendOverride values, string? apiKey)
    {
        if (!values.IsEmpty)
        {
            var current = proxy.GetBackend(mode);
            try
            {
                proxy.Configure(values.ApplyTo(current) with { ApiKey = apiKey ?? current.ApiKey });
            }
            catch (ArgumentException e)
            {
                WriteError(ErrorRecords.Configuration(new ConfigurationException($"{mode}: {e.Message}", mode.ToString(), e)));
                return;
            }
        }

        proxy.SetMode(mode);
        WriteVerbose($"The proxy at {proxy.BaseUrl} now sends requests to {mode} at {proxy.GetBackend(mode).BaseUrl}.");
        if (Prewarm || proxy.PrewarmOnSwitch)
        {
            // In the background: the user types while the backend prefills. The outcome shows in Get-AnyClaude -Request (kind Prewarm).
            _ = proxy.PrewarmAsync(mode);
            WriteVerbose($"Prewarming {mode} with the current conversation (max_tokens 1) once it is idle.");
        }
    }

    private void SwitchRemote(IReadOnlyList<ProxyState> others, BackendMode mode, BackendOverride values, string? apiKey)
    {
        if (Prewarm && others.Count > 0)
        {
            WriteWarning("-Prewarm applies to the proxy of this session only; the proxies of other windows are switched without prewarming.");
        }

        if (others.Count == 0)
        {
            WriteVerbose("No AnyClaude proxy is running; the mode applies to the next Start-AnyClaude.");
            return;
        }

        // What another window's proxy takes over its control endpoint: not the CA file (it trusts what its own
        // configuration names); the key goes as a key, read here from the secret.
        var remote = values with { CaCertificate = null, ApiKeySecret = null };
        if (values.CaCertificate is not null)
        {
            WriteWarning("-CaCertificate applies to this session's later starts only: the proxies of other windows trust what their own configuration names.");
        }

        foreach (var state in others)
        {
            var client = new ProxyControlClient(state);
            try
            {
                Await(async (_, cancellationToken) =>
                {
                    BackendSettings? settings = null;
                    if (!remote.IsEmpty || apiKey is not null)
                    {
                        var status = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
                        var current = status.Backends.FirstOrDefault(b => b.Mode == mode) ?? BackendSettings.Default(mode);
                        // The key goes only when given here (-ApiKeySecret): the proxy drops its key when the URL changes.
                        settings = remote.ApplyTo(current) with { ApiKey = apiKey };
                    }

                    await client.SetModeAsync(mode, settings, cancellationToken).ConfigureAwait(false);
                });
                WriteVerbose($"Switched the proxy of process {state.ProcessId} at {state.BaseUrl} to {mode}.");
            }
            catch (ProxyControlException e)
            {
                WriteError(ErrorRecords.RemoteControlFailed(state, $"Switching another window's proxy to {mode}", e));
            }
        }
    }

    /// <summary>-CaCertificate as a full path (relative to the current location); it must exist.</summary>
    private string? ResolveCaCertificate()
    {
        if (CaCertificate is null)
        {
            return null;
        }

        var full = GetUnresolvedProviderPathFromPSPath(CaCertificate);
        return File.Exists(full) ? full : throw new ConfigurationException($"-CaCertificate: the PEM file '{full}' does not exist.", full);
    }
}
