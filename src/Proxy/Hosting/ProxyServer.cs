using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Proxy.Hosting;

/// <summary>
/// The public face of the engine: one loopback HTTP listener serving the Anthropic Messages API
/// and forwarding to the active backend. Thread-safe. Never calls back into its host.
/// </summary>
public sealed class ProxyServer : IAsyncDisposable, IDisposable
{
    /// <summary>Binds 127.0.0.1:<see cref="ProxyOptions.Port"/> and starts serving.
    /// Throws <see cref="ProxyStartException"/> when the port is taken or the options are invalid.</summary>
    public static ProxyServer Start(ProxyOptions options) => throw new NotImplementedException();

    public int Port => throw new NotImplementedException();
    /// <summary>http://127.0.0.1:{Port} — what ANTHROPIC_BASE_URL should be.</summary>
    public Uri BaseUrl => throw new NotImplementedException();
    /// <summary>The token every request must carry (x-api-key or Authorization: Bearer).</summary>
    public string Token => throw new NotImplementedException();
    public DateTimeOffset StartedAt => throw new NotImplementedException();
    public bool IsRunning => throw new NotImplementedException();
    /// <summary>The mode new requests go to (a request whose model names a mode overrides it).</summary>
    public BackendMode Mode => throw new NotImplementedException();
    public BackendSettings ActiveBackend => GetBackend(Mode);
    public BackendSettings GetBackend(BackendMode mode) => throw new NotImplementedException();

    /// <summary>Switches the active mode at once; requests in flight finish where they started.</summary>
    public void SetMode(BackendMode mode) => throw new NotImplementedException();

    /// <summary>Replaces one mode's settings (URL, model, tool calls, ...) at run time.</summary>
    public void Configure(BackendSettings settings) => throw new NotImplementedException();

    /// <summary>The bounded history of request records, oldest first.</summary>
    public IReadOnlyList<RequestRecord> GetRecords() => throw new NotImplementedException();

    /// <summary>Stops listening, cancels requests in flight, frees the port, removes the state file.</summary>
    public Task StopAsync() => throw new NotImplementedException();

    public ValueTask DisposeAsync() => new(StopAsync());
    public void Dispose() => StopAsync().GetAwaiter().GetResult();
}

/// <summary>The proxy could not start (port in use, bad options).</summary>
public sealed class ProxyStartException(string message, Exception? inner = null) : Exception(message, inner);
