using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>One mode's effective settings, each with its source. The API key is kept for the proxy only.</summary>
internal sealed record EffectiveBackend(
    BackendMode Mode,
    ConfigSetting<Uri> BaseUrl,
    ConfigSetting<string?> Model,
    ConfigSetting<string?> ApiKey,
    ConfigSetting<ToolCallMode> ToolCalls,
    ConfigSetting<BackgroundPolicy?>? BackgroundRequests = null,
    TimeSpan? StallTimeout = null)
{
    /// <summary>The named SecretManagement secret, when it (not ApiKey) supplies the key: read at start with Get-Secret.</summary>
    public ConfigSetting<string?>? ApiKeySecret { get; init; }

    public string? CaCertificate { get; init; }

    public int? MaxConcurrency { get; init; }

    /// <summary>The model's context window ("contextWindow"), when configured.</summary>
    public int? ContextWindow { get; init; }

    /// <summary>"contextPolicy"; null is the default (Elide).</summary>
    public ContextPolicyMode? ContextPolicy { get; init; }
    /// <summary>Where sub-agent requests go (Set-AnyClaudeMode -SubAgentRequests, backends.&lt;mode&gt;.subAgentRequests).</summary>
    public SubAgentPolicy? SubAgentRequests { get; init; }

    /// <summary>How tool history is written when tools are sent (docs/models.md: templates that need Text).</summary>
    public ConfigSetting<ToolHistoryMode> ToolHistory { get; init; } = new(ToolHistoryMode.Native, ConfigSource.Default);

    public BackendSettings ToSettings() => BackendSettings.Default(Mode) with
    {
        BaseUrl = BaseUrl.Value,
        Model = Model.Value,
        // A named secret wins over the keys below it; its value is filled in at start (Get-Secret).
        ApiKey = ApiKeySecret is null ? ApiKey.Value : null,
        ToolCalls = ToolCalls.Value,
        CaCertificate = CaCertificate,
        MaxConcurrency = MaxConcurrency ?? BackendSettings.Default(Mode).MaxConcurrency,
        BackgroundRequests = BackgroundRequests?.Value,
        SubAgentRequests = SubAgentRequests,
        ToolHistory = ToolHistory.Value,
        StallTimeout = StallTimeout,
        ContextWindow = ContextWindow,
        ContextPolicy = ContextPolicy ?? ContextPolicyMode.Elide,
    };
}

/// <summary>Everything a start needs, resolved by <see cref="ConfigResolver"/>.</summary>
internal sealed record EffectiveConfiguration(
    ConfigSetting<BackendMode> Mode,
    ConfigSetting<int> Port,
    IReadOnlyDictionary<BackendMode, EffectiveBackend> Backends,
    string ConfigFilePath)
{
    public EffectiveBackend Active => Backends[Mode.Value];

    /// <summary>Prewarm the target of every mode switch (Start-AnyClaude -Prewarm, config file "prewarm").</summary>
    public ConfigSetting<bool> Prewarm { get; init; } = new(false, ConfigSource.Default);

    /// <summary>Warm start and the prewarm after a sub-agent (config file "warmStart", Start-AnyClaude -NoPrewarm); on by default.</summary>
    public ConfigSetting<bool> WarmStart { get; init; } = new(true, ConfigSource.Default);

    /// <summary>apiKeys: keys read from the secrets the configuration names (mode → key).</summary>
    public ProxyOptions ToProxyOptions(bool publishStateFile, IReadOnlyDictionary<BackendMode, string>? apiKeys = null) => new()
    {
        Port = Port.Value,
        Mode = Mode.Value,
        Backends = Backends.ToDictionary(pair => pair.Key, pair =>
            apiKeys is not null && apiKeys.TryGetValue(pair.Key, out var key) ? pair.Value.ToSettings() with { ApiKey = key } : pair.Value.ToSettings()),
        PublishStateFile = publishStateFile,
        Prewarm = Prewarm.Value,
        PrewarmAfterSubAgents = WarmStart.Value,
    };
}
