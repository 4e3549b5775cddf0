namespace AnyClaude.Proxy.Observability;

/// <summary>Records added after a given point, and the point to ask from next time.</summary>
/// <param name="Records">Oldest first.</param>
/// <param name="Next">The sequence number of the newest record so far: pass it as "after" to get only newer ones.</param>
public sealed record RecordBatch(IReadOnlyList<RequestRecord> Records, long Next);

/// <summary>A bounded ring of the most recent request records, numbered 1, 2, ... as they are added, so a
/// reader can ask for the ones after the last it saw (and wait for them: the live view). Thread-safe.</summary>
internal sealed class RecordHistory(int capacity)
{
    private readonly RequestRecord?[] _ring = new RequestRecord?[Math.Max(1, capacity)];
    private readonly object _gate = new();
    private int _next;
    private int _count;
    private long _total;
    // Completed (and replaced) on every Add: what waiting readers await.
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Called after each Add, outside the lock, on the thread that added the record, before waiting readers are
    /// woken (so what a handler keeps, e.g. the status line's state, is current when a reader sees the record).</summary>
    public event Action<RequestRecord>? Added;

    public void Add(RequestRecord record)
    {
        TaskCompletionSource added;
        lock (_gate)
        {
            _ring[_next] = record;
            _next = (_next + 1) % _ring.Length;
            if (_count < _ring.Length) _count++;
            _total++;
            added = _added;
            _added = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        Added?.Invoke(record);
        added.TrySetResult();
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<RequestRecord> Snapshot() => After(0).Records;

    /// <summary>The records numbered after <paramref name="after"/> that are still kept, oldest first.</summary>
    public RecordBatch After(long after)
    {
        lock (_gate)
        {
            // A number beyond the newest comes from an earlier proxy on the same port: start over.
            if (after > _total) after = 0;
            var wanted = (int)Math.Clamp(_total - Math.Max(0, after), 0, _count);
            var result = new RequestRecord[wanted];
            var start = (_next - wanted + _ring.Length) % _ring.Length;
            for (var i = 0; i < wanted; i++) result[i] = _ring[(start + i) % _ring.Length]!;
            return new RecordBatch(result, _total);
        }
    }

    /// <summary>Like <see cref="After"/>, but when nothing newer is there yet, waits up to <paramref name="wait"/>
    /// for the next record (an empty batch when none came).</summary>
    public async Task<RecordBatch> WaitAfterAsync(long after, TimeSpan wait, CancellationToken cancellationToken)
    {
        Task added;
        lock (_gate)
        {
            if (_total > after || wait <= TimeSpan.Zero) return After(after);
            added = _added.Task;
        }
        try
        {
            await added.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        return After(after);
    }
}
