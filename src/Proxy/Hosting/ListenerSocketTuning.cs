using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace AnyClaude.Proxy.Hosting;

/// <summary>
/// Reaches the client connection's socket, which HttpListener keeps private, for two things it has no public
/// switch for. (1) Nagle's algorithm off on the client connection. The managed HttpListener (Linux, macOS) leaves it on,
/// so each small SSE write after the first waits for the client's delayed ACK: about 40 ms per event on
/// loopback, measured with the benchmarks' loopback-baseline. HttpListener exposes no public switch, so the
/// socket is reached through its private fields; when they are absent (Windows' http.sys, or a future
/// runtime) nothing happens, and <see cref="Limitation"/> says so (Start-AnyClaude -Verbose shows it). (2) Noticing at once that the client hung up while nothing is being written to it
/// (prompt processing, a queued request, a non-streaming wait): see <see cref="IsPeerClosed"/>.
/// </summary>
internal static class ListenerSocketTuning
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
    private static readonly FieldInfo? s_connection = typeof(HttpListenerContext).GetField("_connection", Private);
    private static readonly FieldInfo? s_socket = s_connection?.FieldType.GetField("_socket", Private) is { } f
        && typeof(Socket).IsAssignableFrom(f.FieldType) ? f : null;
    private static int s_missedAtRunTime;

    /// <summary>True when this runtime's HttpListener has the private fields both workarounds need (verified for
    /// the managed listener of .NET 8 and .NET 10 by the tests; absent on Windows, where http.sys owns the sockets).</summary>
    public static bool IsAvailable => s_socket is not null && Volatile.Read(ref s_missedAtRunTime) == 0;

    /// <summary>Null when both workarounds work here; otherwise what is missing and what that changes, for -Verbose.</summary>
    public static string? Limitation => IsAvailable ? null : Describe(OperatingSystem.IsWindows(), s_socket is not null, Environment.Version);

    /// <summary>The diagnostic text (pure, for the tests).</summary>
    public static string Describe(bool httpSys, bool fieldsFound, Version runtime)
    {
        var why = httpSys
            ? "HttpListener on Windows is http.sys, which keeps the client connections in the kernel"
            : fieldsFound
                ? $"HttpListener's private connection field held no socket on .NET {runtime}"
                : $"HttpListener of .NET {runtime} has no private _connection._socket field (the runtime changed)";
        return $"{why}: the proxy cannot reach the client's socket, so Nagle's algorithm is left as the listener sets it " +
               "(streamed events may each wait for the client's delayed ACK, about 40 ms on loopback) and a client that hangs up " +
               "while the backend is still processing is noticed at the next write to it (a ping within the ping interval), not at once.";
    }

    public static void DisableNagle(HttpListenerContext context)
    {
        try
        {
            if (TryGetSocket(context) is { NoDelay: false } socket) socket.NoDelay = true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The connection is already gone: the request fails on its own.
        }
    }

    /// <summary>
    /// Ends the connection with a TCP reset. HttpListenerResponse.Abort() on the managed listener closes the response
    /// gracefully (it writes the pending head and, for chunked bodies, the final zero chunk), so a client would read a
    /// complete 200 that never happened. Closing the socket first with SO_LINGER 0 sends RST and makes the listener's
    /// own writes fail (it swallows those). On http.sys (socket not reachable) Abort() already resets.
    /// </summary>
    public static void Reset(HttpListenerContext context)
    {
        if (TryGetSocket(context) is { } socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
        try { context.Response.Abort(); } catch (Exception) { /* already gone */ }
    }

    /// <summary>The client connection's socket, or null where the listener's internals differ.</summary>
    public static Socket? TryGetSocket(HttpListenerContext context)
    {
        if (s_socket is null) return null;
        try
        {
            var connection = s_connection!.GetValue(context);
            if (connection is null) return null; // the connection is already closed (e.g. after Reset)
            var value = s_socket.GetValue(connection);
            if (value is Socket socket) return socket;
            // Null: closed since. Anything else: the internals are not what we expect, say so (Limitation).
            if (value is not null) Volatile.Write(ref s_missedAtRunTime, 1);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or TargetException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when the client has closed its side. Once the request body has been read the client sends nothing
    /// more, so a readable socket with no bytes waiting means end of stream (FIN or reset).
    /// </summary>
    public static bool IsPeerClosed(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }
}
