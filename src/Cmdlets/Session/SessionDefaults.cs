using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Session;

/// <summary>One mode's settings chosen with Set-AnyClaudeMode in this session; null members were not given.</summary>
internal sealed record SessionBackendOverride(Uri? BaseUrl, string? Model, ToolCallMode? ToolCalls, BackgroundPolicy? BackgroundRequests = null, ToolHistoryMode? ToolHistory = null)
{
    public string? ApiKeySecret { get; init; }
    public string? CaCertificate { get; init; }
    public int? MaxConcurrency { get; init; }
    public TimeSpan? StallTimeout { get; init; }
}

/// <summary>Settings given to Set-AnyClaudeMode, used by later starts in this pwsh process.</summary>
internal static class SessionDefaults
{
    private static readonly object s_gate = new();
    private static readonly Dictionary<BackendMode, SessionBackendOverride> s_overrides = new();

    public static SessionBackendOverride? Get(BackendMode mode)
    {
        lock (s_gate)
        {
            return s_overrides.GetValueOrDefault(mode);
        }
    }

    /// <summary>Merges the given values over earlier ones for that mode.</summary>
    public static void Set(BackendMode mode, Uri? baseUrl, string? model, ToolCallMode? toolCalls, BackgroundPolicy? backgroundRequests = null, ToolHistoryMode? toolHistory = null, TimeSpan? stallTimeout = null)
    {
        if (baseUrl is null && model is null && toolCalls is null && backgroundRequests is null && toolHistory is null && stallTimeout is null)
        {
            return;
        }

        lock (s_gate)
        {
            SessionBackendOverride old = s_overrides.GetValueOrDefault(mode) ?? new SessionBackendOverride(null, null, null);
            s_overrides[mode] = old with { BaseUrl = baseUrl ?? old.BaseUrl, Model = model ?? old.Model, ToolCalls = toolCalls ?? old.ToolCalls, BackgroundRequests = backgroundRequests ?? old.BackgroundRequests, ToolHistory = toolHistory ?? old.ToolHistory, StallTimeout = stallTimeout ?? old.StallTimeout };
        }
    }

    /// <summary>Merges the remote-backend settings (-ApiKeySecret, -CaCertificate, -MaxConcurrency) over earlier ones.</summary>
    public static void SetRemote(BackendMode mode, string? apiKeySecret, string? caCertificate, int? maxConcurrency)
    {
        if (apiKeySecret is null && caCertificate is null && maxConcurrency is null)
        {
            return;
        }

        lock (s_gate)
        {
            SessionBackendOverride old = s_overrides.GetValueOrDefault(mode) ?? new SessionBackendOverride(null, null, null);
            s_overrides[mode] = old with
            {
                ApiKeySecret = apiKeySecret ?? old.ApiKeySecret,
                CaCertificate = caCertificate ?? old.CaCertificate,
                MaxConcurrency = maxConcurrency ?? old.MaxConcurrency,
            };
        }
    }

    public static void Clear()
    {
        lock (s_gate)
        {
            s_overrides.Clear();
        }
    }
}
