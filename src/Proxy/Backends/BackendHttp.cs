using System.Collections.Concurrent;
using System.Net;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
using Microsoft.Extensions.DependencyInjection;

namespace AnyClaude.Proxy.Backends;

/// <summary>
/// HttpClients for backend calls, from a private IHttpClientFactory (pooled handlers, DNS refresh).
/// No HttpClient.Timeout: prompt processing of a long prompt can take minutes; stalls are caught by
/// <see cref="Heartbeat"/> instead. Loopback backends never go through a system proxy; every other host
/// (a team's server, the Anthropic API) honours it (HTTP(S)_PROXY / NO_PROXY, or the OS setting).
/// A backend with its own CA file gets a client of its own that trusts it.
/// </summary>
internal sealed class BackendHttp : IDisposable
{
    private const string Loopback = "loopback";
    private const string Remote = "remote";
    private readonly ServiceProvider _services;
    private readonly IHttpClientFactory _factory;
    private readonly ConcurrentDictionary<(bool UseProxy, string CaFile), Lazy<HttpClient>> _trusting = new();

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

    /// <summary>Loopback backends never use a system proxy (it could not reach them, and would see every
    /// prompt); all other hosts do, subject to the proxy's own bypass list.</summary>
    internal static bool UsesSystemProxy(BackendSettings backend) => !backend.IsLoopback;

    internal static SocketsHttpHandler CreateHandler(BackendSettings backend)
    {
        var handler = CreateHandler(UsesSystemProxy(backend), TimeSpan.FromSeconds(15));
        if (backend.CaCertificate is { Length: > 0 } ca)
            handler.SslOptions.RemoteCertificateValidationCallback = BackendTrust.Validator(BackendTrust.Load(ca));
        return handler;
    }

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

/// <summary>A handler for a short-lived call to a backend outside the proxy (the cmdlets' model probe and completion):
/// the same system-proxy rule and the same extra trust (caCertificate) as the proxy's own calls.</summary>
public static class BackendHandlers
{
    /// <summary>Throws ArgumentException when the mode's caCertificate file cannot be read.</summary>
    public static HttpMessageHandler Create(BackendSettings backend) => BackendHttp.CreateHandler(backend);
}
