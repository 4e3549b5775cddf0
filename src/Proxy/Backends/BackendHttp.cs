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

    public BackendHttp()
    {
        var services = new ServiceCollection();
        services.AddHttpClient(Local)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => CreateHandler(useProxy: false))
            .RemoveAllLoggers();
        services.AddHttpClient(Internet)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => CreateHandler(useProxy: true))
            .RemoveAllLoggers();
        _services = services.BuildServiceProvider();
        _factory = _services.GetRequiredService<IHttpClientFactory>();
    }

    public HttpClient For(bool isLocal) => _factory.CreateClient(isLocal ? Local : Internet);

    private static SocketsHttpHandler CreateHandler(bool useProxy) => new()
    {
        UseProxy = useProxy,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        AllowAutoRedirect = false,
        UseCookies = false,
    };

    public void Dispose() => _services.Dispose();
}
