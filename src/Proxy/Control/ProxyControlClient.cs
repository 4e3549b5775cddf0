using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Proxy.Control;

/// <summary>The active mode and every mode's settings, as a running proxy reports them.</summary>
public sealed record ProxyStatus(ProxyState State, BackendMode Mode, IReadOnlyList<BackendSettings> Backends);

/// <summary>Talks to a proxy (possibly in another process) through its authenticated control endpoint.</summary>
public sealed class ProxyControlClient(ProxyState state)
{
    // STUB — the host work replaces this file.
    public ProxyState State { get; } = state;
    public Task<ProxyStatus> GetStatusAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <summary>Switches the proxy's mode; settings (optional) replace that mode's settings first.</summary>
    public Task SetModeAsync(BackendMode mode, BackendSettings? settings = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    public Task<IReadOnlyList<RequestRecord>> GetRecordsAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
