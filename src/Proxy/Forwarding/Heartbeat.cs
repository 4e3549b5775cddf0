using System.Diagnostics;

namespace AnyClaude.Proxy.Forwarding;

/// <summary>
/// A watch per request, ticked by a timer shared by every request with the same period (see Clock), that (a) gives up on a backend that has sent no byte for the stall timeout, by
/// cancelling the request's token, (b) asks for a ping when nothing has been written to the client for
/// the ping interval, and (c) cancels the whole request as soon as the client hangs up, so a local GPU does not
/// go on processing a prompt for nobody. The hot path only stores timestamps; the timer does the checking.
/// </summary>
internal sealed class Heartbeat : IDisposable
{
    private long _stallTicks;
    private readonly long _generationStallTicks;
    private readonly long _pingTicks;
    private readonly Func<Task>? _ping;
    private readonly CancellationTokenSource _cancel;
    private readonly Clock _clock;
    private volatile bool _disposed;
    private long _lastBackendByte;
    private long _lastClientWrite;
    private int _backendActive;
    private int _pinging;
    private volatile bool _stalled;
    private readonly Func<bool>? _clientClosed;
    private readonly CancellationTokenSource? _request;
    private bool _clientGone;

    /// <summary>How often a hang-up is looked for: short enough to feel immediate, cheap (one poll per request).</summary>
    private static readonly TimeSpan s_clientProbePeriod = TimeSpan.FromMilliseconds(200);

    /// <summary>ping sends a ping (null when the client cannot receive one: non-streaming); cancel is fired on a stall.
    /// clientClosed (optional) is polled on the timer; when it says so, request is cancelled.
    /// generationStall (optional) replaces stallTimeout once <see cref="GenerationStarted"/> is called: prompt processing
    /// may legitimately be silent for minutes (LM Studio sends nothing meanwhile), silence between tokens may not.</summary>
    public Heartbeat(TimeSpan stallTimeout, TimeSpan pingInterval, Func<Task>? ping, CancellationTokenSource cancel,
        Func<bool>? clientClosed = null, CancellationTokenSource? request = null, TimeSpan? generationStall = null)
    {
        _stallTicks = ToTicks(stallTimeout);
        _generationStallTicks = ToTicks(generationStall ?? stallTimeout);
        if (generationStall is { } g && g < stallTimeout) stallTimeout = g; // the timer must look often enough for either
        _pingTicks = ToTicks(pingInterval);
        _ping = ping;
        _cancel = cancel;
        _clientClosed = request is null ? null : clientClosed;
        _request = request;
        _lastClientWrite = Stopwatch.GetTimestamp();
        var smallest = ping is null ? stallTimeout : (pingInterval < stallTimeout ? pingInterval : stallTimeout);
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(10).Ticks, smallest.Ticks / 4));
        if (_clientClosed is not null && period > s_clientProbePeriod) period = s_clientProbePeriod;
        _clock = Clock.For(period);
        _clock.Add(this);
    }

    public TimeSpan StallTimeout => TimeSpan.FromSeconds((double)Volatile.Read(ref _stallTicks) / Stopwatch.Frequency);

    /// <summary>The backend has sent its first token: from now on the (shorter) generation stall timeout applies.</summary>
    public void GenerationStarted() => Volatile.Write(ref _stallTicks, _generationStallTicks);

    /// <summary>True when the request was cancelled because the backend went silent.</summary>
    public bool Stalled => _stalled;

    /// <summary>The backend call starts now: the stall clock runs from here (not while queued for a slot).</summary>
    public void BackendStarted()
    {
        Volatile.Write(ref _lastBackendByte, Stopwatch.GetTimestamp());
        Volatile.Write(ref _backendActive, 1);
    }

    public void BackendByte() => Volatile.Write(ref _lastBackendByte, Stopwatch.GetTimestamp());

    public void ClientWrite() => Volatile.Write(ref _lastClientWrite, Stopwatch.GetTimestamp());

    private void Tick()
    {
        if (_disposed) return;
        if (_clientClosed is not null && !_clientGone && _clientClosed())
        {
            _clientGone = true;
            try { _request!.Cancel(); } catch (ObjectDisposedException) { }
            return;
        }
        var now = Stopwatch.GetTimestamp();
        if (Volatile.Read(ref _backendActive) == 1 && now - Volatile.Read(ref _lastBackendByte) >= Volatile.Read(ref _stallTicks) && !_stalled)
        {
            _stalled = true;
            try { _cancel.Cancel(); } catch (ObjectDisposedException) { }
            return;
        }
        if (_ping is not null && now - Volatile.Read(ref _lastClientWrite) >= _pingTicks
            && Interlocked.CompareExchange(ref _pinging, 1, 0) == 0)
        {
            _ = PingAsync();
        }
    }

    private async Task PingAsync()
    {
        try { await _ping!().ConfigureAwait(false); }
        catch (Exception) { /* the request loop sees the same failure on its next write */ }
        finally { Volatile.Write(ref _pinging, 0); }
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _clock.Remove(this);
    }

    /// <summary>One timer per period in use (requests share the client-probe period), started by the first request
    /// and stopped after <see cref="IdleTicks"/> ticks without one: starting a request costs a list insertion, not a
    /// timer (nor re-arming one, when requests follow each other). A heartbeat's checks compare timestamps,
    /// so the phase of the shared tick changes no outcome, only when within one period it is seen.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A clock lives as long as the process (one per period in use, kept in a static table); its timer stops after a while without a request.")]
    private sealed class Clock
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<long, Clock> s_clocks = new();
        private readonly object _gate = new();
        private readonly List<Heartbeat> _beats = [];
        private const int IdleTicks = 50;
        private readonly TimeSpan _period;
        private readonly Timer _timer;
        private bool _running;
        private int _idle;

        private Clock(TimeSpan period)
        {
            _period = period;
            _timer = new Timer(static s => ((Clock)s!).Tick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public static Clock For(TimeSpan period) => s_clocks.GetOrAdd(period.Ticks, static t => new Clock(TimeSpan.FromTicks(t)));

        public void Add(Heartbeat beat)
        {
            lock (_gate)
            {
                _beats.Add(beat);
                _idle = 0;
                if (_running) return;
                _running = true;
                _timer.Change(_period, _period);
            }
        }

        public void Remove(Heartbeat beat)
        {
            lock (_gate) _beats.Remove(beat);
        }

        private void Tick()
        {
            Heartbeat[] beats;
            lock (_gate)
            {
                if (_beats.Count == 0)
                {
                    if (++_idle >= IdleTicks && _running)
                    {
                        _running = false;
                        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    }
                    return;
                }
                beats = [.. _beats];
            }
            foreach (var beat in beats) beat.Tick();
        }
    }
}
