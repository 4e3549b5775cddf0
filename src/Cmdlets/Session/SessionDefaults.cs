using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Session;

/// <summary>One mode's settings chosen with Set-AnyClaudeMode in this session; null members were not given.</summary>
internal sealed record SessionBackendOverride(Uri? BaseUrl, string? Model, ToolCallMode? ToolCalls, TimeSpan? StallTimeout = null);

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
    public static void Set(BackendMode mode, Uri? baseUrl, string? model, ToolCallMode? toolCalls, TimeSpan? stallTimeout = null)
    {
        if (baseUrl is null && model is null && toolCalls is null && stallTimeout is null)
        {
            return;
        }

        lock (s_gate)
        {
            SessionBackendOverride old = s_overrides.GetValueOrDefault(mode) ?? new SessionBackendOverride(null, null, null);
            s_overrides[mode] = new SessionBackendOverride(baseUrl ?? old.BaseUrl, model ?? old.Model, toolCalls ?? old.ToolCalls, stallTimeout ?? old.StallTimeout);
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
