namespace AnyClaude.Proxy.Configuration;

/// <summary>Everything the proxy needs to reach one backend. Immutable: a mode switch swaps the whole object.</summary>
public sealed record BackendSettings
{
    public required BackendMode Mode { get; init; }

    /// <summary>Base URL including the version segment, e.g. http://localhost:1234/v1 (Claude: https://api.anthropic.com).</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The backend's model id; null lets the backend choose (mlx_lm.server uses its loaded model).</summary>
    public string? Model { get; init; }

    /// <summary>Sent as Authorization: Bearer (OpenAI-style) or x-api-key (Anthropic-style). Never logged.</summary>
    public string? ApiKey { get; init; }

    public ToolCallMode ToolCalls { get; init; } = ToolCallMode.Native;

    /// <summary>How earlier tool calls and results are written when tools are sent (with ToolCalls Off they are
    /// always text). Text is the compatibility setting for chat templates that reject role:"tool".</summary>
    public ToolHistoryMode ToolHistory { get; init; } = ToolHistoryMode.Native;

    /// <summary>The model's context window in tokens when known; max_tokens is clamped to fit it.</summary>
    public int? ContextWindow { get; init; }

    /// <summary>What happens to a main turn bigger than the window (config file key backends.&lt;mode&gt;.contextPolicy).</summary>
    public ContextPolicyMode ContextPolicy { get; init; } = ContextPolicyMode.Elide;

    /// <summary>How many requests this backend serves at once; the rest wait (kept alive with pings). 0 (the
    /// default) means automatic: see <see cref="EffectiveMaxConcurrency"/>.</summary>
    public int MaxConcurrency { get; init; }

    /// <summary>Remote backends (a team's inference server) serve several requests at once; a loopback one is
    /// usually a single GPU that serves one well.</summary>
    public const int RemoteDefaultConcurrency = 4;

    /// <summary><see cref="MaxConcurrency"/> when set; otherwise 1 for a loopback backend and
    /// <see cref="RemoteDefaultConcurrency"/> for any other host.</summary>
    public int EffectiveMaxConcurrency => MaxConcurrency > 0 ? MaxConcurrency : IsLoopback ? 1 : RemoteDefaultConcurrency;

    /// <summary>A PEM file of certificates to trust for this backend's HTTPS, in addition to the system's roots
    /// (a team's own CA or a self-signed server certificate). Certificate checks are never switched off.</summary>
    public string? CaCertificate { get; init; }

    /// <summary>Silence allowed once the backend has started generating; null uses ProxyOptions.GenerationStallTimeout.
    /// (config file key backends.&lt;mode&gt;.stallTimeout)</summary>
    public TimeSpan? StallTimeout { get; init; }

    /// <summary>The longest <see cref="StallTimeout"/> the config file, Set-AnyClaudeMode and the control plane take: a day.</summary>
    public static readonly TimeSpan MaxStallTimeout = TimeSpan.FromDays(1);

    /// <summary>Extra headers sent with every backend request (generic OpenAI-compatible backends).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>What happens to Claude Code's background requests while this mode is active; null: <see cref="BackgroundPolicy.DefaultFor"/>.</summary>
    public BackgroundPolicy? BackgroundRequests { get; init; }

    public BackgroundPolicy EffectiveBackgroundRequests => BackgroundRequests ?? BackgroundPolicy.DefaultFor(Mode);

    /// <summary>Where Claude Code's sub-agent requests go while this mode is active; null: <see cref="SubAgentPolicy.Forward"/>
    /// (the mode's own backend). (config file key backends.&lt;mode&gt;.subAgentRequests)</summary>
    public SubAgentPolicy? SubAgentRequests { get; init; }

    public SubAgentPolicy EffectiveSubAgentRequests => SubAgentRequests ?? SubAgentPolicy.Forward;

    /// <summary>The built-in defaults for a mode.</summary>
    public static BackendSettings Default(BackendMode mode) => mode switch
    {
        BackendMode.LmStudio => new() { Mode = mode, BaseUrl = new Uri("http://localhost:1234/v1") },
        BackendMode.MlxLm => new() { Mode = mode, BaseUrl = new Uri("http://localhost:8081/v1"), ToolCalls = ToolCallMode.Off },
        BackendMode.Claude => new() { Mode = mode, BaseUrl = new Uri("https://api.anthropic.com"), MaxConcurrency = 16 },
        BackendMode.OpenAICompatible => new() { Mode = mode, BaseUrl = new Uri("http://localhost:8000/v1") },
        BackendMode.AnthropicCompatible => new() { Mode = mode, BaseUrl = new Uri("http://localhost:11434") },
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>True for backends on this machine (or the user's LAN): everything but Claude.</summary>
    public bool IsLocal => Mode != BackendMode.Claude;

    /// <summary>The backend speaks the Anthropic Messages API itself (Claude, Anthropic-compatible servers): requests are
    /// relayed rather than translated, there is no prewarm and no OpenAI-style model probe.</summary>
    public bool SpeaksMessagesApi => Mode is BackendMode.Claude or BackendMode.AnthropicCompatible;

    /// <summary>True when the URL names this machine (localhost, 127.0.0.0/8, ::1): such backends never go
    /// through a system proxy; every other host does when one is configured.</summary>
    public bool IsLoopback => IsLoopbackHost(BaseUrl);

    public static bool IsLoopbackHost(Uri url)
    {
        if (url.IsLoopback) return true;
        var host = url.IdnHost.TrimStart('[').TrimEnd(']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip));
    }
}
