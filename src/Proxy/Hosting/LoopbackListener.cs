using System.Net;
using System.Net.Sockets;

namespace AnyClaude.Proxy.Hosting;

/// <summary>A started listener, its port and the host name clients must use (http.sys routes by Host).</summary>
internal sealed record LoopbackBinding(HttpListener Listener, int Port, string Host)
{
    public Uri BaseUrl => new($"http://{Host}:{Port}");
}

/// <summary>One way to register the listener: its URL prefixes' hosts and the host clients are given.</summary>
internal sealed record ListenerAttempt(IReadOnlyList<string> Hosts, string ClientHost);

/// <summary>Why a registration failed.</summary>
internal enum BindFailure { InUse, AccessDenied, Other }

/// <summary>
/// Creates an HttpListener reachable from this machine only. On Linux and macOS HttpListener is managed code
/// that binds a socket on 127.0.0.1. On Windows it registers URL prefixes with http.sys, whose rules differ:
/// a standard user may register <c>http://localhost:PORT/</c> everywhere, <c>http://127.0.0.1:PORT/</c> on
/// Windows 10/11 but not on older systems; a URL reservation (<c>netsh http add urlacl url=http://+:PORT/</c>)
/// for someone else makes any registration on that port "access denied"; and http.sys answers
/// 400 Invalid Hostname to a request whose Host matches no prefix. So Windows first registers both names and
/// gives clients 127.0.0.1; when that is denied it registers <c>localhost</c> alone and gives clients
/// <c>http://localhost:PORT</c> (http.sys serves it on 127.0.0.1 and ::1 alike, whichever localhost resolves to
/// first). Access denied is never reported as a port in use. The choice is pure (<see cref="Plan"/>,
/// <see cref="Classify"/>, <see cref="Bind{T}"/>), so it is unit-tested on every OS.
/// </summary>
internal static class LoopbackListener
{
    private const int FreePortAttempts = 20;

    /// <summary>True where HttpListener is http.sys (Windows); elsewhere it is the managed implementation.</summary>
    public static bool UsesHttpSys => OperatingSystem.IsWindows();

    public static LoopbackBinding Start(int port)
    {
        var (listener, bound, host) = Bind(port, Plan(UsesHttpSys), Register, PickFreePort, UsesHttpSys);
        return new LoopbackBinding(listener, bound, host);
    }

    /// <summary>The registrations to try, in order.</summary>
    public static IReadOnlyList<ListenerAttempt> Plan(bool httpSys) => httpSys
        ? [new(["127.0.0.1", "localhost"], "127.0.0.1"), new(["localhost"], "localhost")]
        // Managed: one socket on 127.0.0.1; the second name serves clients configured with http://localhost:port.
        : [new(["127.0.0.1", "localhost"], "127.0.0.1")];

    /// <summary>What an error from HttpListener.Start means. http.sys reports Win32 errors; the managed
    /// listener reports the socket's errno (Linux, macOS) or WSA code.</summary>
    public static BindFailure Classify(Exception e, bool httpSys)
    {
        if (e is SocketException s)
        {
            return s.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => BindFailure.InUse,
                SocketError.AccessDenied => BindFailure.AccessDenied,
                _ => BindFailure.Other,
            };
        }
        if (e is not HttpListenerException h) return BindFailure.Other;
        if (httpSys)
        {
            return h.ErrorCode switch
            {
                5 => BindFailure.AccessDenied,      // ERROR_ACCESS_DENIED: no right to the URL (reservation, or 127.0.0.1 on old Windows)
                32 => BindFailure.InUse,            // ERROR_SHARING_VIOLATION: another program's socket holds the port
                183 => BindFailure.InUse,           // ERROR_ALREADY_EXISTS: another process registered the prefix
                _ => BindFailure.Other,
            };
        }
        return h.ErrorCode switch
        {
            98 or 48 or 10048 => BindFailure.InUse,          // EADDRINUSE (Linux, macOS), WSAEADDRINUSE
            400 => BindFailure.InUse,                         // the prefix is registered by another listener of this process
            13 or 10013 => BindFailure.AccessDenied,          // EACCES, WSAEACCES
            _ => BindFailure.Other,
        };
    }

    /// <summary>
    /// Tries each attempt of <paramref name="plan"/> on the port (port 0: on free ports, up to a retry limit);
    /// falls back to the next attempt only when access is denied.
    /// </summary>
    public static (T Listener, int Port, string Host) Bind<T>(int port, IReadOnlyList<ListenerAttempt> plan,
        Func<IReadOnlyList<string>, T> register, Func<int> pickFreePort, bool httpSys)
    {
        if (port is < 0 or > 65535) throw new ProxyStartException($"Port {port} is not a valid TCP port (0-65535; 0 picks a free one).", reason: ProxyStartFailure.InvalidOptions);
        for (var attempt = 1; ; attempt++)
        {
            var candidate = port == 0 ? pickFreePort() : port;
            try
            {
                return BindPort(candidate, plan, register, httpSys);
            }
            catch (ProxyStartException e) when (port == 0 && attempt < FreePortAttempts && e.Reason is ProxyStartFailure.PortInUse or ProxyStartFailure.AccessDenied)
            {
                // Port 0: another process took the free port in between, or it is reserved; try another one.
            }
        }
    }

    private static (T, int, string) BindPort<T>(int port, IReadOnlyList<ListenerAttempt> plan, Func<IReadOnlyList<string>, T> register, bool httpSys)
    {
        Exception? denied = null;
        foreach (var attempt in plan)
        {
            var prefixes = attempt.Hosts.Select(h => $"http://{h}:{port}/").ToArray();
            try
            {
                return (register(prefixes), port, attempt.ClientHost);
            }
            catch (Exception e) when (e is HttpListenerException or SocketException)
            {
                switch (Classify(e, httpSys))
                {
                    case BindFailure.AccessDenied:
                        denied = e;
                        continue; // a narrower registration may be allowed
                    case BindFailure.InUse:
                        throw new ProxyStartException($"Port {port} on 127.0.0.1 is already in use ({e.Message}). Choose another port (-Port 0 picks a free one) or stop the program using it.", e, ProxyStartFailure.PortInUse);
                    default:
                        throw new ProxyStartException($"The proxy could not listen on port {port} of 127.0.0.1 ({e.Message}).", e, ProxyStartFailure.Other);
                }
            }
        }
        var tried = string.Join(", ", plan.SelectMany(a => a.Hosts).Distinct().Select(h => $"http://{h}:{port}/"));
        var hint = httpSys
            ? $" Windows (http.sys) refused to register {tried} for this user: usually a URL reservation for that port belongs to another user or service (see 'netsh http show urlacl'). The port is not necessarily in use. Choose another port (-Port 0 picks a free one)."
            : " Choose a port above 1023 (-Port 0 picks a free one).";
        throw new ProxyStartException($"Access to port {port} on 127.0.0.1 was denied ({denied!.Message}).{hint}", denied, ProxyStartFailure.AccessDenied);
    }

    private static HttpListener Register(IReadOnlyList<string> prefixes)
    {
        var listener = new HttpListener { IgnoreWriteExceptions = false };
        foreach (var prefix in prefixes) listener.Prefixes.Add(prefix);
        try
        {
            listener.Start();
            return listener;
        }
        catch
        {
            listener.Close();
            throw;
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
