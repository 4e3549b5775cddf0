using AnyClaude.Proxy.Backends;

namespace AnyClaude.Proxy.Forwarding;

/// <summary>Shared, process-lifetime helpers every forwarder uses.</summary>
internal sealed class BackendServices : IDisposable
{
    public BackendServices(TimeSpan connectTimeout)
    {
        Http = new BackendHttp(connectTimeout);
        Limiter = new ConcurrencyLimiter();
        Windows = new ContextWindowCache(Http);
        Context = new ContextPolicy(Windows);
        Call = new BackendCall(Http, Limiter);
    }

    public BackendHttp Http { get; }
    public ConcurrencyLimiter Limiter { get; }
    /// <summary>The backends' context windows (configured, else read from LM Studio).</summary>
    public ContextWindowCache Windows { get; }
    /// <summary>The context-policy seam: step 1 of both forwarders and of the prewarm.</summary>
    public ContextPolicy Context { get; }

    /// <summary>The one backend call: slot, send, status, stream, complete.</summary>
    public BackendCall Call { get; }

    public void Dispose() => Http.Dispose();
}
