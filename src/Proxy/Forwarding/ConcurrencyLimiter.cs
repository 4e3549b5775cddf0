using System.Collections.Concurrent;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Forwarding;

/// <summary>Per-backend limits on requests in flight (a local GPU serves one request well at a time).
/// Keyed by mode, URL and limit, so reconfiguring a backend gets a fresh gate. Background work never queues
/// ahead of a waiting main turn: a freed slot goes to the oldest foreground waiter first.</summary>
internal sealed class ConcurrencyLimiter
{
    private readonly ConcurrentDictionary<(BackendMode, string, int), PriorityGate> _gates = new();

    public async ValueTask<Slot> AcquireAsync(BackendSettings backend, CancellationToken ct, bool background = false)
    {
        var gate = Gate(backend);
        await gate.WaitAsync(background, ct).ConfigureAwait(false);
        return new Slot(gate);
    }

    /// <summary>A slot only if the backend is idle and nobody waits: for work that must never compete with a user's request.</summary>
    public Slot? TryAcquireIdle(BackendSettings backend)
    {
        var gate = Gate(backend).TryEnterIdle();
        return gate is null ? null : new Slot(gate);
    }

    private PriorityGate Gate(BackendSettings backend)
    {
        var max = backend.EffectiveMaxConcurrency;
        return _gates.GetOrAdd((backend.Mode, backend.BaseUrl.AbsoluteUri, max), static k => new PriorityGate(k.Item3));
    }

    internal readonly struct Slot(PriorityGate gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}

/// <summary>A counting gate with two queues: foreground waiters are always served before background ones.</summary>
internal sealed class PriorityGate(int capacity)
{
    private readonly object _lock = new();
    private readonly LinkedList<TaskCompletionSource> _foreground = new();
    private readonly LinkedList<TaskCompletionSource> _background = new();
    private int _inUse;

    public int InUse { get { lock (_lock) return _inUse; } }

    public async Task WaitAsync(bool background, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        LinkedListNode<TaskCompletionSource> node;
        var queue = background ? _background : _foreground;
        lock (_lock)
        {
            var ahead = _foreground.Count > 0 || (background && _background.Count > 0);
            if (_inUse < capacity && !ahead)
            {
                _inUse++;
                return;
            }
            node = queue.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        using (ct.Register(() =>
        {
            lock (_lock)
            {
                if (node.List is null) return; // already granted
                queue.Remove(node);
            }
            node.Value.TrySetCanceled(ct);
        }))
        {
            await node.Value.Task.ConfigureAwait(false);
        }
    }

    public PriorityGate? TryEnterIdle()
    {
        lock (_lock)
        {
            if (_inUse > 0 || _foreground.Count > 0 || _background.Count > 0) return null;
            _inUse++;
            return this;
        }
    }

    public void Release()
    {
        TaskCompletionSource? next = null;
        lock (_lock)
        {
            var queue = _foreground.Count > 0 ? _foreground : _background.Count > 0 ? _background : null;
            if (queue is null) _inUse--;
            else
            {
                next = queue.First!.Value;
                queue.RemoveFirst(); // the slot passes to it: _inUse stays
            }
        }
        next?.TrySetResult();
    }
}
