using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>
/// One mode's settings as Set-AnyClaudeMode gives them (null members were not given): remembered for this session
/// (<see cref="Session.SessionDefaults"/>), saved with -Persist (<see cref="UserConfigFile.Save"/>) and applied to a
/// running proxy's settings (<see cref="ApplyTo"/>). One object, so a new setting is added in one place.
/// </summary>
internal sealed record BackendOverride
{
    public Uri? BaseUrl { get; init; }
    public string? Model { get; init; }
    public ToolCallMode? ToolCalls { get; init; }
    public BackgroundPolicy? BackgroundRequests { get; init; }
    public SubAgentPolicy? SubAgentRequests { get; init; }
    public ToolHistoryMode? ToolHistory { get; init; }
    public TimeSpan? StallTimeout { get; init; }
    /// <summary>The name of the SecretManagement secret holding the key (the key itself is never stored).</summary>
    public string? ApiKeySecret { get; init; }
    /// <summary>A full path to a PEM file.</summary>
    public string? CaCertificate { get; init; }
    public int? MaxConcurrency { get; init; }
    public int? ContextWindow { get; init; }
    public ContextPolicyMode? ContextPolicy { get; init; }

    public static BackendOverride None { get; } = new();

    public bool IsEmpty => this == None;

    /// <summary>These values over <paramref name="older"/> ones: what was not given now keeps its earlier value.</summary>
    public BackendOverride Over(BackendOverride? older) => older is null ? this : new()
    {
        BaseUrl = BaseUrl ?? older.BaseUrl,
        Model = Model ?? older.Model,
        ToolCalls = ToolCalls ?? older.ToolCalls,
        BackgroundRequests = BackgroundRequests ?? older.BackgroundRequests,
        SubAgentRequests = SubAgentRequests ?? older.SubAgentRequests,
        ToolHistory = ToolHistory ?? older.ToolHistory,
        StallTimeout = StallTimeout ?? older.StallTimeout,
        ApiKeySecret = ApiKeySecret ?? older.ApiKeySecret,
        CaCertificate = CaCertificate ?? older.CaCertificate,
        MaxConcurrency = MaxConcurrency ?? older.MaxConcurrency,
        ContextWindow = ContextWindow ?? older.ContextWindow,
        ContextPolicy = ContextPolicy ?? older.ContextPolicy,
    };

    /// <summary>A backend's settings with these values applied. The key is the caller's to give: it is read from the
    /// secret only where it goes, and a proxy drops its key when the URL changes.</summary>
    public BackendSettings ApplyTo(BackendSettings settings) => settings with
    {
        BaseUrl = BaseUrl ?? settings.BaseUrl,
        Model = Model ?? settings.Model,
        ToolCalls = ToolCalls ?? settings.ToolCalls,
        BackgroundRequests = BackgroundRequests ?? settings.BackgroundRequests,
        SubAgentRequests = SubAgentRequests ?? settings.SubAgentRequests,
        ToolHistory = ToolHistory ?? settings.ToolHistory,
        StallTimeout = StallTimeout ?? settings.StallTimeout,
        CaCertificate = CaCertificate ?? settings.CaCertificate,
        MaxConcurrency = MaxConcurrency ?? settings.MaxConcurrency,
        ContextWindow = ContextWindow ?? settings.ContextWindow,
        ContextPolicy = ContextPolicy ?? settings.ContextPolicy,
    };
}
