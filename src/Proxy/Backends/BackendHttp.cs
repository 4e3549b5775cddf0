using System.Collections.Concurrent;
using System.Net;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
using Microsoft.Extensions.DependencyInjection;

namespace AnyClaude.Proxy.Backends;

/// <summary>
/// The one HTTP client stack of AnyClaude: HttpClients from a private IHttpClientFactory (pooled handlers, DNS
/// refresh) for the proxy's backend calls, the diagnostics' checks and benchmarks, the cmdlets' model listing and
/// the control client. Public so those clients (other assemblies) make their calls exactly as the proxy does.
/// No HttpClient.Timeout on backend clients: prompt processing of a long prompt can take minutes; stalls are caught
/// by <see cref="Forwarding.Heartbeat"/> (or the caller's own deadline) instead. Loopback backends never go through a system
/// proxy; every other host (a team's server, the Anthropic API) honours it (HTTP(S)_PROXY / NO_PROXY, or the OS
/// setting). A backend with its own CA file gets a client of its own that trusts it. Redirects are never followed,
/// so a backend's API key only ever goes to the URL it was configured for.
/// </summary>
public sealed class BackendHttp : IDisposable
{
    private const string Loopback = "loopback";
    private const string Remote = "remote";
    private const string Control = "control";
    private static readonly Lazy<BackendHttp> s_shared = new(() => new BackendHttp(TimeSpan.FromSeconds(15)));
    private readonly ServiceProvider _services;
    private readonly IHttpClientFactory _factory;
    private readonly ConcurrentDictionary<(bool UseProxy, string CaFile), Lazy<HttpClient>> _trusting = new();

    /// <summary>The process's stack for calls made outside a running proxy (the cmdlets' model listing and backend
    /// check, the control client): 15 s to connect, never disposed.</summary>
    public static BackendHttp Shared => s_shared.Value;

    /// <summary>A stack whose backend clients give a backend <paramref name="connectTimeout"/> to accept the TCP
    /// connection. Dispose it when its calls are done (the proxy: at shutdown; diagnostics: after a run).</summary>
    public BackendHttp(TimeSpan connectTimeout)
    {
        ConnectTimeout = connectTimeout;
        var services = new ServiceCollection();
        services.AddHttpClient(Loopback)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => CreateHandler(useProxy: false, connectTimeout))
            .RemoveAllLoggers();
        services.AddHttpClient(Remote)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => CreateHandler(useProxy: true, connectTimeout))
            .RemoveAllLoggers();
        // Control calls go to a proxy on this machine, which answers at once: a short deadline, no system proxy.
        services.AddHttpClient(Control)
            .ConfigureHttpClient(c => c.Timeout = TimeSpan.FromSeconds(15))
            .ConfigurePrimaryHttpMessageHandler(() => CreateHandler(useProxy: false, TimeSpan.FromSeconds(5)))
            .RemoveAllLoggers();
        _services = services.BuildServiceProvider();
        _factory = _services.GetRequiredService<IHttpClientFactory>();
    }

    /// <summary>How long a backend may take to accept the TCP connection (ProxyOptions.BackendConnectTimeout).</summary>
    public TimeSpan ConnectTimeout { get; }


    /// <summary>The client for this backend: system proxy only for non-loopback hosts, extra trust only
    /// where <see cref="BackendSettings.CaCertificate"/> is set.</summary>
    public HttpClient For(BackendSettings backend)
    {
        var useProxy = UsesSystemProxy(backend);
        if (backend.CaCertificate is not { Length: > 0 } ca) return _factory.CreateClient(useProxy ? Remote : Loopback);
        var key = (useProxy, Path.GetFullPath(ca));
        var connectTimeout = ConnectTimeout;
        var lazy = _trusting.GetOrAdd(key, key => new Lazy<HttpClient>(() =>
        {
            var handler = CreateHandler(key.UseProxy, connectTimeout);
            handler.SslOptions.RemoteCertificateValidationCallback = BackendTrust.Validator(BackendTrust.Load(key.CaFile));
            // The factory's handler rotation refreshes DNS; this client does it through the pool lifetime.
            handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
            return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        }));
        try
        {
            return lazy.Value;
        }
        catch (ArgumentException e)
        {
            // The file went away or changed since it was configured: say so, and read it again next time.
            _trusting.TryRemove(KeyValuePair.Create(key, lazy));
            throw new ApiException(500, "api_error", $"{BackendNames.Display(backend.Mode)} at {backend.BaseUrl}: {e.Message}", e);
        }
    }

    /// <summary>The client for AnyClaude's own proxy on 127.0.0.1 as Claude Code reaches it (the diagnostics' round
    /// trips and proxied benchmark turns): no system proxy, no extra trust, no overall timeout.</summary>
    public HttpClient ForLocalProxy() => _factory.CreateClient(Loopback);

    /// <summary>The client for a proxy's control endpoint (<see cref="Control.ProxyControlClient"/>): loopback,
    /// no system proxy, 5 s to connect and 15 s per call.</summary>
    public HttpClient ForControl() => _factory.CreateClient(Control);

    /// <summary>Loopback backends never use a system proxy (it could not reach them, and would see every
    /// prompt); all other hosts do, subject to the proxy's own bypass list.</summary>
    internal static bool UsesSystemProxy(BackendSettings backend) => !backend.IsLoopback;

    private static SocketsHttpHandler CreateHandler(bool useProxy, TimeSpan connectTimeout) => new()
    {
        UseProxy = useProxy,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = connectTimeout,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        AllowAutoRedirect = false,
        UseCookies = false,
    };

    public void Dispose()
    {
        foreach (var client in _trusting.Values)
            if (client.IsValueCreated) client.Value.Dispose();
        _services.Dispose();
    }
}

