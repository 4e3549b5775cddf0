using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace AnyClaude.Proxy.Hosting;

/// <summary>
/// Turns Nagle's algorithm off on the client connection. The managed HttpListener (Linux, macOS) leaves it on,
/// so each small SSE write after the first waits for the client's delayed ACK: about 40 ms per event on
/// loopback, measured with the benchmarks' loopback-baseline. HttpListener exposes no public switch, so the
/// socket is reached through its private fields; when they are absent (Windows' http.sys, or a future
/// runtime) nothing happens.
/// </summary>
internal static class ListenerSocketTuning
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
    private static readonly FieldInfo? s_connection = typeof(HttpListenerContext).GetField("_connection", Private);
    private static readonly FieldInfo? s_socket = s_connection?.FieldType.GetField("_socket", Private);

    public static void DisableNagle(HttpListenerContext context)
    {
        if (s_socket is null) return;
        try
        {
            if (s_socket.GetValue(s_connection!.GetValue(context)) is Socket { NoDelay: false } socket) socket.NoDelay = true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or ArgumentException or TargetException)
        {
            // The connection is already gone, or the internals differ: the request still works, just slower.
        }
    }
}
