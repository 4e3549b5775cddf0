using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>One mode's entry in the user's config file; null members were not set there.</summary>
internal sealed record UserBackendEntry(Uri? BaseUrl, string? Model, string? ApiKey, ToolCallMode? ToolCalls, BackgroundPolicy? BackgroundRequests = null, ToolHistoryMode? ToolHistory = null)
{
    /// <summary>The SecretManagement secret holding the API key ("apiKeySecret"); read with Get-Secret only when set.</summary>
    public string? ApiKeySecret { get; init; }

    /// <summary>Full path of a PEM file of certificates to trust for this backend's HTTPS ("caCertificate").</summary>
    public string? CaCertificate { get; init; }

    /// <summary>Requests served at once ("maxConcurrency"); default 1 for a loopback backend, more for a remote one.</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Where sub-agent requests go ("subAgentRequests": Forward or a mode[/model]).</summary>
    public SubAgentPolicy? SubAgentRequests { get; init; }

    /// <summary>Silence allowed in the middle of generation ("stallTimeout", seconds or hh:mm:ss).</summary>
    public TimeSpan? StallTimeout { get; init; }

    /// <summary>The model's context window in tokens ("contextWindow"): needed where the server does not report one (mlx_lm.server).</summary>
    public int? ContextWindow { get; init; }

    /// <summary>What a main turn bigger than the window gets ("contextPolicy": Elide or Refuse).</summary>
    public ContextPolicyMode? ContextPolicy { get; init; }
}

/// <summary>What the user's config file says (validated).</summary>
internal sealed record UserConfig(BackendMode? Mode, int? Port, IReadOnlyDictionary<BackendMode, UserBackendEntry> Backends)
{
    public static UserConfig Empty { get; } = new(null, null, new Dictionary<BackendMode, UserBackendEntry>());

    /// <summary>"prewarm": prewarm the target of every mode switch (Set-AnyClaudeMode, Claude Code's /model).</summary>
    public bool? Prewarm { get; init; }

    /// <summary>"warmStart": Start-AnyClaude warms the last session's head, and a sub-agent's turn on a one-slot backend is
    /// followed by a prewarm of the main conversation (default true for local modes).</summary>
    public bool? WarmStart { get; init; }
}
