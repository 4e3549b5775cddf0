namespace AnyClaude.Proxy.Observability;

/// <summary>A bounded ring of the most recent request records. Thread-safe.</summary>
internal sealed class RecordHistory(int capacity)
{
    private readonly RequestRecord?[] _ring = new RequestRecord?[Math.Max(1, capacity)];
    private readonly object _gate = new();
    private int _next;
    private int _count;

    public void Add(RequestRecord record)
    {
        lock (_gate)
        {
            _ring[_next] = record;
            _next = (_next + 1) % _ring.Length;
            if (_count < _ring.Length) _count++;
        }
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<RequestRecord> Snapshot()
    {
        lock (_gate)
        {
            var result = new RequestRecord[_count];
            var start = (_next - _count + _ring.Length) % _ring.Length;
            for (var i = 0; i < _count; i++) result[i] = _ring[(start + i) % _ring.Length]!;
            return result;
        }
    }
}
