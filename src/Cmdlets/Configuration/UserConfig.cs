using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>One mode's entry in the user's config file; null members were not set there.</summary>
internal sealed record UserBackendEntry(Uri? BaseUrl, string? Model, string? ApiKey, ToolCallMode? ToolCalls, TimeSpan? StallTimeout = null);

/// <summary>What the user's config file says (validated).</summary>
internal sealed record UserConfig(BackendMode? Mode, int? Port, IReadOnlyDictionary<BackendMode, UserBackendEntry> Backends)
{
    public static UserConfig Empty { get; } = new(null, null, new Dictionary<BackendMode, UserBackendEntry>());
}
