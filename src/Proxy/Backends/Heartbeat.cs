using System.Diagnostics;

namespace AnyClaude.Proxy.Backends;

/// <summary>
/// One timer per request that (a) gives up on a backend that has sent no byte for the stall timeout, by
/// cancelling the request's token, and (b) asks for a ping when nothing has been written to the client for
/// the ping interval. The hot path only stores timestamps; the timer does the checking.
/// </summary>
internal sealed class Heartbeat : IDisposable
{
    private readonly long _stallTicks;
    private readonly long _pingTicks;
    private readonly Func<Task>? _ping;
    private readonly CancellationTokenSource _cancel;
    private readonly Timer _timer;
    private long _lastBackendByte;
    private long _lastClientWrite;
    private int _backendActive;
    private int _pinging;
    private volatile bool _stalled;

    /// <summary>ping sends a ping (null when the client cannot receive one: non-streaming); cancel is fired on a stall.</summary>
    public Heartbeat(TimeSpan stallTimeout, TimeSpan pingInterval, Func<Task>? ping, CancellationTokenSource cancel)
    {
        _stallTicks = ToTicks(stallTimeout);
        _pingTicks = ToTicks(pingInterval);
        _ping = ping;
        _cancel = cancel;
        _lastClientWrite = Stopwatch.GetTimestamp();
        var smallest = ping is null ? stallTimeout : (pingInterval < stallTimeout ? pingInterval : stallTimeout);
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(10).Ticks, smallest.Ticks / 4));
        _timer = new Timer(static s => ((Heartbeat)s!).Tick(), this, period, period);
    }

    public TimeSpan StallTimeout => Stopwatch.GetElapsedTime(0, _stallTicks);

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
        var now = Stopwatch.GetTimestamp();
        if (Volatile.Read(ref _backendActive) == 1 && now - Volatile.Read(ref _lastBackendByte) >= _stallTicks && !_stalled)
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

    public void Dispose() => _timer.Dispose();
}
