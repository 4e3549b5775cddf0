using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>A proxy to drive for one run: a caller's running proxy, or a private one stopped at the end.</summary>
internal sealed class ProxyLease : IAsyncDisposable
{
    private readonly ProxyServer? _owned;
    private readonly Func<BackendMode, CancellationToken, Task>? _switchMode;

    private ProxyLease(ProxyEndpoint endpoint, ProxyServer? owned, Func<BackendMode, CancellationToken, Task>? switchMode)
    {
        Endpoint = endpoint;
        _owned = owned;
        _switchMode = switchMode;
    }

    public ProxyEndpoint Endpoint { get; }

    public static ProxyLease Acquire(ProxyEndpoint? external, Func<BackendMode, CancellationToken, Task>? switchMode,
        BackendMode initialMode, IEnumerable<BackendSettings> backends)
    {
        if (external is not null)
            return new ProxyLease(external, null, switchMode);
        var server = ProxyServer.Start(new ProxyOptions
        {
            Port = 0,
            Mode = initialMode,
            Backends = backends.ToDictionary(b => b.Mode),
        });
        return new ProxyLease(ProxyEndpoint.For(server), server, null);
    }

    /// <summary>Switches the proxy's active mode, as Set-AnyClaudeMode does.</summary>
    public Task SwitchAsync(BackendMode mode, CancellationToken cancellationToken)
    {
        if (_owned is not null)
        {
            if (_owned.Mode != mode) _owned.SetMode(mode);
            return Task.CompletedTask;
        }
        return _switchMode?.Invoke(mode, cancellationToken)
               ?? throw new InvalidOperationException("switching modes on an external proxy needs a mode switcher");
    }

    /// <summary>Prewarms a mode's backend with the conversation so far (the private proxy only).</summary>
    public async Task PrewarmAsync(BackendMode mode, CancellationToken cancellationToken)
    {
        if (_owned is null)
            throw new InvalidOperationException("prewarming needs the private proxy");
        await _owned.PrewarmAsync(mode, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Prewarms a mode's backend with a given Claude Code request (a warm start's head; the private proxy only).</summary>
    public async Task PrewarmBodyAsync(BackendMode mode, ReadOnlyMemory<byte> body, string reason, CancellationToken cancellationToken)
    {
        if (_owned is null)
            throw new InvalidOperationException("prewarming needs the private proxy");
        await _owned.PrewarmBodyAsync(mode, body, reason, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null)
            await _owned.StopAsync().ConfigureAwait(false);
    }
}
