using System.Collections.Concurrent;
using AnyClaude.FakeBackend.Cache;
using AnyClaude.FakeBackend.Scripting;

namespace AnyClaude.FakeBackend;

/// <summary>Everything the connection handlers share: options, recorded requests, script queue, prompt cache, counters.</summary>
internal sealed class FakeServerState(FakeServerOptions options)
{
    private readonly List<RecordedRequest> _requests = [];
    private int _sequence;
    private int _activeChats;
    private int _maxActiveChats;

    private readonly SemaphoreSlim? _slots = options.Flavor == FakeFlavor.MlxLm
        ? new SemaphoreSlim(Math.Max(1, options.MlxDecodeConcurrency))
        : options.Slots is { } n ? new SemaphoreSlim(Math.Max(1, n)) : null;
    private readonly SemaphoreSlim? _prefill = options.Flavor == FakeFlavor.MlxLm ? new SemaphoreSlim(Math.Max(1, options.MlxPromptConcurrency)) : null;

    public FakeServerOptions Options { get; } = options;
    public PrefixCache Cache { get; } = new(options.EffectiveCacheEntries);
    public ConcurrentQueue<ScriptedReply> Script { get; } = new();

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToArray();
            }
        }
    }

    public int MaxConcurrentChats => Volatile.Read(ref _maxActiveChats);

    public RecordedRequest Record(Http.HttpRequestData request)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in request.Headers)
        {
            headers[k] = headers.TryGetValue(k, out var existing) ? existing + ", " + v : v;
        }
        var record = new RecordedRequest
        {
            Sequence = Interlocked.Increment(ref _sequence),
            ReceivedAt = DateTimeOffset.UtcNow,
            Method = request.Method,
            Target = request.Target,
            Path = request.Path,
            Headers = headers,
            RawBody = request.Body ?? [],
        };
        lock (_requests)
        {
            _requests.Add(record);
        }
        return record;
    }

    public void Reset()
    {
        lock (_requests)
        {
            _requests.Clear();
        }
        Script.Clear();
        Cache.Clear();
        Volatile.Write(ref _maxActiveChats, 0);
    }

    /// <summary>A prediction slot (LM Studio's Max Concurrent Predictions, mlx's decode concurrency); waits while all are busy.</summary>
    public Task<IDisposable> EnterSlotAsync(CancellationToken ct) => EnterAsync(_slots, ct);

    /// <summary>A place in mlx's prompt batch (--prompt-concurrency); LM Studio's slots prefill on their own.</summary>
    public Task<IDisposable> EnterPrefillAsync(CancellationToken ct) => EnterAsync(_prefill, ct);

    private static async Task<IDisposable> EnterAsync(SemaphoreSlim? gate, CancellationToken ct)
    {
        if (gate is null) return NoLease.Instance;
        await gate.WaitAsync(ct);
        return new SemaphoreLease(gate);
    }

    private sealed class NoLease : IDisposable
    {
        public static readonly NoLease Instance = new();

        public void Dispose()
        {
        }
    }

    private sealed class SemaphoreLease(SemaphoreSlim gate) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) gate.Release();
        }
    }

    public IDisposable EnterChat()
    {
        var now = Interlocked.Increment(ref _activeChats);
        int max;
        while (now > (max = Volatile.Read(ref _maxActiveChats)) && Interlocked.CompareExchange(ref _maxActiveChats, now, max) != max)
        {
        }
        return new ChatLease(this);
    }

    private sealed class ChatLease(FakeServerState state) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref state._activeChats);
            }
        }
    }
}
