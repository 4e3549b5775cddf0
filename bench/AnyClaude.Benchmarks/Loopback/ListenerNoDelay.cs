using System.Collections;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>
/// What-if experiment, not a fix: sets TCP_NODELAY on the listening sockets of every managed (Unix)
/// HttpListener in this process. Linux copies the option to the sockets accept() returns, so every
/// connection the proxy serves afterwards sends small writes at once instead of waiting for the
/// client's delayed ACK. Reaches into private runtime fields (HttpEndPointManager.s_ipEndPoints →
/// HttpEndPointListener._socket); returns how many sockets it changed (0 when the internals differ).
/// </summary>
internal static class ListenerNoDelay
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    public static int Apply()
    {
        var manager = typeof(HttpListener).Assembly.GetType("System.Net.HttpEndPointManager");
        if (manager?.GetField("s_ipEndPoints", BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null) is not IDictionary byAddress)
            return 0;
        var changed = 0;
        lock (byAddress)
        {
            foreach (var byPort in byAddress.Values.OfType<IDictionary>())
                foreach (var endPoint in byPort.Values)
                    if (endPoint?.GetType().GetField("_socket", Private)?.GetValue(endPoint) is Socket socket)
                    {
                        socket.NoDelay = true;
                        changed++;
                    }
        }
        return changed;
    }
}
