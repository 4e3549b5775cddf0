using System.Collections;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace AnyClaude.Proxy.Hosting;

/// <summary>
/// Closes client connections whose request headers do not complete in time (slowloris). The managed HttpListener
/// (Linux, macOS) arms a timer before a connection's first read (90 s before the first request, 15 s before each next
/// one on a kept-alive connection), disarms it when the first bytes arrive and never arms it again while the headers
/// are incomplete (HttpConnection.BeginReadRequest/OnReadInternal in dotnet/runtime): a client that sends
/// <c>GET / HTTP/1.1\r\nHo</c> and then nothing holds its connection forever. A sweep every few seconds walks the
/// connections that have no request bound yet (the endpoint listener's new connections and the listener's kept-alive
/// ones), notes when part of a header is first seen on each, and closes those still incomplete
/// <see cref="Timeout"/> later, with a 408 in the Anthropic error shape and the listener's own time-out path.
/// A connection serving a request is never touched (the body has its own timeout: RequestBodyReader).
/// <para>The connections and their parser state are private to HttpListener: they are reached by reflection. Where
/// the fields are absent (a future runtime) nothing happens and <see cref="Limitation"/> says so (Start-AnyClaude
/// -Verbose). On Windows, http.sys owns the connections and has its own header timer: its HeaderWait is set instead.</para>
/// </summary>
internal sealed class ListenerHeaderTimeout : IDisposable
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
    /// <summary>The managed listener's own wait for a new connection's first byte; a connection that shows no header
    /// byte at all (blank lines only) is closed once it has waited this long plus the header timeout.</summary>
    private static readonly TimeSpan s_listenerFirstByteWait = TimeSpan.FromSeconds(90);

    private static readonly Internals? s_internals = Internals.Find();

    private readonly HttpListener _listener;
    private readonly object[] _endPoints;
    private readonly Timer? _timer;
    private readonly TimeSpan _interval;
    private readonly Dictionary<object, Watch> _watched = new(ReferenceEqualityComparer.Instance);
    private readonly byte[] _answer;
    private readonly string? _limitation;
    private int _closed;
    private int _disposed;
    private int _failed;

    private ListenerHeaderTimeout(HttpListener listener, TimeSpan timeout, object[] endPoints, string? limitation)
    {
        _listener = listener;
        Timeout = timeout;
        _endPoints = endPoints;
        _limitation = limitation;
        _answer = TimeoutAnswer(timeout);
        // Checked a few times per timeout: a connection is closed between one and about 1.3 timeouts after its first header byte.
        _interval = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 6, 50, 5000));
        if (limitation is null && !LoopbackListener.UsesHttpSys) _timer = new Timer(_ => Sweep(), null, _interval, System.Threading.Timeout.InfiniteTimeSpan);
    }

    /// <summary>Starts watching <paramref name="listener"/> (already started).</summary>
    public static ListenerHeaderTimeout Start(HttpListener listener, TimeSpan timeout)
    {
        if (LoopbackListener.UsesHttpSys) return new(listener, timeout, [], SetHeaderWait(listener, timeout));
        if (s_internals is not { } x) return new(listener, timeout, [], Describe(fieldsFound: false, Environment.Version));
        var endPoints = x.EndPointsOf(listener);
        return new(listener, timeout, endPoints, endPoints.Length == 0 ? Describe(fieldsFound: true, Environment.Version) : null);
    }

    public TimeSpan Timeout { get; }

    /// <summary>Null when incomplete headers are timed out here; otherwise why not and what that changes, for -Verbose.</summary>
    public string? Limitation => _limitation
        ?? (Volatile.Read(ref _failed) != 0 ? Describe(fieldsFound: true, Environment.Version, failed: true) : null);

    /// <summary>How many connections this sweeper has closed (the benchmarks report it).</summary>
    public int Closed => Volatile.Read(ref _closed);

    /// <summary>The diagnostic text (pure, for the tests).</summary>
    public static string Describe(bool fieldsFound, Version runtime, bool failed = false) =>
        (failed
            ? $"HttpListener of .NET {runtime} holds its connections differently than its private fields suggest, so the header timeout stopped"
            : fieldsFound
                ? $"HttpListener of .NET {runtime} keeps no endpoint listener for this proxy where expected"
                : $"HttpListener of .NET {runtime} lacks the private connection fields the header timeout reads (the runtime changed)")
        + ": a client that sends part of a request's headers and then nothing keeps its connection open until it hangs up.";

    private static string? SetHeaderWait(HttpListener listener, TimeSpan timeout)
    {
        if (!OperatingSystem.IsWindows()) return null;
        try
        {
            // http.sys counts whole seconds (0 means its default of 2 minutes).
            listener.TimeoutManager.HeaderWait = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(timeout.TotalSeconds)));
            return null;
        }
        catch (Exception e) when (e is HttpListenerException or PlatformNotSupportedException or ArgumentOutOfRangeException or ObjectDisposedException)
        {
            return $"http.sys refused a header timeout of {timeout.TotalSeconds:0.#} s ({e.Message}): it keeps its default of 2 minutes.";
        }
    }

    private static byte[] TimeoutAnswer(TimeSpan timeout)
    {
        var body = "{\"type\":\"error\",\"error\":{\"type\":\"timeout_error\",\"message\":\"The request headers did not arrive within "
            + $"{timeout.TotalSeconds:0.#} s; the connection was closed.\"}}}}";
        return Encoding.ASCII.GetBytes("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + $"Content-Length: {body.Length}\r\n\r\n{body}");
    }

    /// <summary>One pass over the connections that have no request yet. Runs on the timer only (never concurrently).</summary>
    internal void Sweep()
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        var x = s_internals!;
        var now = Stopwatch.GetTimestamp();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        try
        {
            foreach (var endPoint in _endPoints) Inspect(x, x.Unregistered(endPoint), now, seen);
            Inspect(x, x.KeptAlive(_listener), now, seen);
        }
        catch (Exception)
        {
            // The internals are not what the fields promised (or changed under us): leave the listener alone from now
            // on, and say so. A timer callback must not throw: that would end the process.
            Volatile.Write(ref _failed, 1);
            return;
        }
        foreach (var gone in _watched.Keys.Where(k => !seen.Contains(k)).ToList()) _watched.Remove(gone);
        if (Volatile.Read(ref _disposed) == 0)
        {
            try { _timer!.Change(_interval, System.Threading.Timeout.InfiniteTimeSpan); }
            catch (ObjectDisposedException) { }
        }
    }

    private void Inspect(Internals x, object[] connections, long now, HashSet<object> seen)
    {
        foreach (var connection in connections)
        {
            // No socket: closed. Bound: a request is being served (its body has its own timeout).
            if (x.Socket(connection) is not { } socket || x.IsBound(connection)) continue;
            seen.Add(connection);
            var reuses = x.Reuses(connection);
            if (!_watched.TryGetValue(connection, out var watch) || watch.Reuses != reuses) watch = new Watch(reuses, now, null);
            if (watch.HeaderSince is null && x.HasPartialHeaders(connection)) watch = watch with { HeaderSince = now };
            _watched[connection] = watch;
            var late = watch.HeaderSince is { } since
                ? Stopwatch.GetElapsedTime(since, now) >= Timeout
                : Stopwatch.GetElapsedTime(watch.Since, now) >= s_listenerFirstByteWait + Timeout;
            if (!late) continue;
            _watched.Remove(connection);
            Interlocked.Increment(ref _closed); // before the 408 leaves: whoever reads it sees the count
            Close(x, connection, socket);
        }
    }

    /// <summary>Answers 408 (when the send buffer has room: the sweep never blocks on a client) and closes the
    /// connection through the listener's own time-out path, which also forgets it.</summary>
    private void Close(Internals x, object connection, Socket socket)
    {
        try
        {
            if (socket.Poll(0, SelectMode.SelectWrite)) socket.Send(_answer, SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        if (!x.CloseAsTimedOut(connection))
        {
            try { socket.Close(); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _timer?.Dispose();
    }

    private sealed record Watch(int Reuses, long Since, long? HeaderSince);

    /// <summary>The private members of the managed HttpListener this needs (dotnet/runtime,
    /// System.Net.HttpListener/src/System/Net/Managed): all present, or none used.</summary>
    private sealed class Internals
    {
        private FieldInfo _endPoints = null!, _eplListener = null!, _unregistered = null!, _connections = null!;
        private FieldInfo _socket = null!, _contextBound = null!, _reuses = null!, _inputState = null!, _lineState = null!, _currentLine = null!, _memoryStream = null!;
        private MethodInfo _onTimeout = null!;

        public static Internals? Find()
        {
            var assembly = typeof(HttpListener).Assembly;
            var manager = assembly.GetType("System.Net.HttpEndPointManager");
            var epl = assembly.GetType("System.Net.HttpEndPointListener");
            var connection = assembly.GetType("System.Net.HttpConnection");
            if (manager is null || epl is null || connection is null) return null;
            var x = new Internals();
            FieldInfo? F(Type t, string name, Func<Type, bool> ok, BindingFlags flags = Private) =>
                t.GetField(name, flags) is { } f && ok(f.FieldType) ? f : null;
            static bool IsDictionary(Type t) => typeof(IDictionary).IsAssignableFrom(t);
            // A set of connections: Dictionary<HttpConnection, HttpConnection> up to .NET 8, HashSet<HttpConnection> in .NET 10.
            static bool IsSet(Type t) => typeof(IEnumerable).IsAssignableFrom(t);
            var endPoints = F(manager, "s_ipEndPoints", IsDictionary, BindingFlags.NonPublic | BindingFlags.Static);
            var eplListener = F(epl, "_listener", t => t == typeof(HttpListener));
            var unregistered = F(epl, "_unregisteredConnections", IsSet);
            var connections = F(typeof(HttpListener), "_connections", IsSet);
            var socket = F(connection, "_socket", t => t == typeof(Socket));
            var contextBound = F(connection, "_contextBound", t => t == typeof(bool));
            var reuses = F(connection, "_reuses", t => t == typeof(int));
            var inputState = F(connection, "_inputState", t => t.IsEnum);
            var lineState = F(connection, "_lineState", t => t.IsEnum);
            var currentLine = F(connection, "_currentLine", t => t == typeof(StringBuilder));
            var memoryStream = F(connection, "_memoryStream", t => t == typeof(MemoryStream));
            var onTimeout = connection.GetMethod("OnTimeout", Private, [typeof(object)]);
            if (endPoints is null || eplListener is null || unregistered is null || connections is null || socket is null
                || contextBound is null || reuses is null || inputState is null || lineState is null || currentLine is null
                || memoryStream is null || onTimeout is null)
                return null;
            (x._endPoints, x._eplListener, x._unregistered, x._connections) = (endPoints, eplListener, unregistered, connections);
            (x._socket, x._contextBound, x._reuses, x._inputState, x._lineState, x._currentLine, x._memoryStream, x._onTimeout)
                = (socket, contextBound, reuses, inputState, lineState, currentLine, memoryStream, onTimeout);
            return x;
        }

        /// <summary>The endpoint listeners (one per address and port) that <paramref name="listener"/> created.</summary>
        public object[] EndPointsOf(HttpListener listener)
        {
            if (_endPoints.GetValue(null) is not IDictionary byAddress) return [];
            var found = new List<object>();
            lock (((ICollection)byAddress).SyncRoot)
            {
                foreach (var byPort in byAddress.Values)
                {
                    if (byPort is not IDictionary ports) continue;
                    foreach (var epl in ports.Values)
                        if (epl is not null && ReferenceEquals(_eplListener.GetValue(epl), listener)) found.Add(epl);
                }
            }
            return [.. found];
        }

        public object[] Unregistered(object endPoint) => Keys(_unregistered.GetValue(endPoint));
        public object[] KeptAlive(HttpListener listener) => Keys(_connections.GetValue(listener));

        /// <summary>A copy of a connection set, taken under the lock the listener itself uses for it: the set object
        /// (lock (_unregisteredConnections); a Dictionary's ICollection.SyncRoot, which HttpListener locks, is the dictionary itself).</summary>
        private static object[] Keys(object? set)
        {
            if (set is null) return [];
            lock (set)
            {
                var keys = set is IDictionary dictionary ? dictionary.Keys : (IEnumerable)set;
                return [.. keys.Cast<object>()];
            }
        }

        public Socket? Socket(object connection) => _socket.GetValue(connection) as Socket;
        public bool IsBound(object connection) => (bool)_contextBound.GetValue(connection)!;
        public int Reuses(object connection) => (int)_reuses.GetValue(connection)!;

        /// <summary>True when part of a request line or header has arrived (parser past the request line, a line
        /// begun, or bytes buffered). Blank lines before a request leave no trace: the first-byte cap covers those.</summary>
        public bool HasPartialHeaders(object connection)
        {
            if (Convert.ToInt32(_inputState.GetValue(connection), System.Globalization.CultureInfo.InvariantCulture) != 0) return true;
            if (Convert.ToInt32(_lineState.GetValue(connection), System.Globalization.CultureInfo.InvariantCulture) != 0) return true;
            if (_currentLine.GetValue(connection) is StringBuilder { Length: > 0 }) return true;
            return _memoryStream.GetValue(connection) is MemoryStream { Length: > 0 };
        }

        /// <summary>The listener's own time-out (close the socket, forget the connection).</summary>
        public bool CloseAsTimedOut(object connection)
        {
            try
            {
                _onTimeout.Invoke(connection, [null]);
                return true;
            }
            catch (TargetInvocationException)
            {
                return false;
            }
        }
    }
}
