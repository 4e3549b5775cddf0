using AnyClaude.Proxy.Backends;
namespace AnyClaude.Proxy.Forwarding;

/// <summary>Shared, process-lifetime helpers every forwarder uses.</summary>
internal sealed class BackendServices : IDisposable
{
    public BackendServices(TimeSpan connectTimeout)
    {
        Http = new BackendHttp(connectTimeout);
        Limiter = new ConcurrencyLimiter();
        ContextWindows = new ContextWindowCache(Http);
    }

    public BackendHttp Http { get; }
    public ConcurrencyLimiter Limiter { get; }
    public ContextWindowCache ContextWindows { get; }

    public void Dispose() => Http.Dispose();
}
