using System.Collections.Concurrent;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Backends;

/// <summary>Per-backend limits on requests in flight (a local GPU serves one request well at a time).
/// Keyed by mode, URL and limit, so reconfiguring a backend gets a fresh gate.</summary>
internal sealed class ConcurrencyLimiter
{
    private readonly ConcurrentDictionary<(BackendMode, string, int), SemaphoreSlim> _gates = new();

    public async ValueTask<Slot> AcquireAsync(BackendSettings backend, CancellationToken ct)
    {
        var max = backend.EffectiveMaxConcurrency;
        var gate = _gates.GetOrAdd((backend.Mode, backend.BaseUrl.AbsoluteUri, max), static k => new SemaphoreSlim(k.Item3, k.Item3));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        return new Slot(gate);
    }

    internal readonly struct Slot(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
