using System.Net;
using System.Net.Sockets;

namespace AnyClaude.Proxy.Hosting;

/// <summary>Creates an HttpListener bound to 127.0.0.1 only.</summary>
internal static class LoopbackListener
{
    private const int FreePortAttempts = 20;

    public static HttpListener Start(int port)
    {
        if (port is < 0 or > 65535) throw new ProxyStartException($"Port {port} is not a valid TCP port (0-65535; 0 picks a free one).");
        if (port != 0) return Bind(port);
        // Port 0: ask the OS for a free port, then bind it; another process may grab it in between, so retry.
        for (var attempt = 1; ; attempt++)
        {
            var candidate = PickFreePort();
            try
            {
                return Bind(candidate);
            }
            catch (ProxyStartException) when (attempt < FreePortAttempts)
            {
            }
        }
    }

    private static HttpListener Bind(int port)
    {
        var listener = new HttpListener { IgnoreWriteExceptions = false };
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        // Same socket, second name: clients configured with http://localhost:port send Host: localhost.
        listener.Prefixes.Add($"http://localhost:{port}/");
        try
        {
            listener.Start();
            return listener;
        }
        catch (HttpListenerException e)
        {
            listener.Close();
            throw new ProxyStartException($"Port {port} on 127.0.0.1 is already in use or cannot be bound ({e.Message}). Choose another port or stop the program using it.", e);
        }
        catch (SocketException e)
        {
            listener.Close();
            throw new ProxyStartException($"Port {port} on 127.0.0.1 is already in use or cannot be bound ({e.Message}). Choose another port or stop the program using it.", e);
        }
    }

    private static int PickFreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        try { return ((IPEndPoint)probe.LocalEndpoint).Port; }
        finally { probe.Stop(); }
    }
}
