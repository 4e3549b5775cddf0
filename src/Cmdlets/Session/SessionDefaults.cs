using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Session;

/// <summary>Settings given to Set-AnyClaudeMode, used by later starts in this pwsh process.</summary>
internal static class SessionDefaults
{
    private static readonly object s_gate = new();
    private static readonly Dictionary<BackendMode, BackendOverride> s_overrides = new();

    public static BackendOverride? Get(BackendMode mode)
    {
        lock (s_gate)
        {
            return s_overrides.GetValueOrDefault(mode);
        }
    }

    /// <summary>Merges the given values over earlier ones for that mode.</summary>
    public static void Set(BackendMode mode, BackendOverride values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        lock (s_gate)
        {
            s_overrides[mode] = values.Over(s_overrides.GetValueOrDefault(mode));
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
