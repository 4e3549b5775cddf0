using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace AnyClaude.Proxy.Backends;

/// <summary>
/// HttpClients for backend calls, from a private IHttpClientFactory (pooled handlers, DNS refresh).
/// No HttpClient.Timeout: prompt processing of a long prompt can take minutes; stalls are caught by
/// <see cref="Heartbeat"/> instead. Local backends bypass any system proxy; Claude mode honours it.
/// </summary>
internal sealed class BackendHttp : IDisposable
{
    private const string Local = "local";
    private const string Internet = "internet";
    private readonly ServiceProvider _services;
    private readonly IHttpClientFactory _factory;

    public BackendHttp(TimeSpan connectTimeout)
    {
        ConnectTimeout = connectTimeout;
        var services = new ServiceCollection();
        services.AddHttpClient(Local)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => CreateHandler(useProxy: false, connectTimeout))
            .RemoveAllLoggers();
        services.AddHttpClient(Internet)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => CreateHandler(useProxy: true, connectTimeout))
            .RemoveAllLoggers();
        _services = services.BuildServiceProvider();
        _factory = _services.GetRequiredService<IHttpClientFactory>();
    }

    /// <summary>How long a backend may take to accept the TCP connection (ProxyOptions.BackendConnectTimeout).</summary>
    public TimeSpan ConnectTimeout { get; }

    public HttpClient For(bool isLocal) => _factory.CreateClient(isLocal ? Local : Internet);

    private static SocketsHttpHandler CreateHandler(bool useProxy, TimeSpan connectTimeout) => new()
    {
        UseProxy = useProxy,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = connectTimeout,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        AllowAutoRedirect = false,
        UseCookies = false,
    };

    public void Dispose() => _services.Dispose();
}
