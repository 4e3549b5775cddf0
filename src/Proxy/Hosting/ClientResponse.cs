using System.Net;

namespace AnyClaude.Proxy.Hosting;

/// <summary>
/// The client's side of one answer, all the forwarders and responders write to: status and headers until the first
/// body byte, then the body (written and flushed as it comes), then the end; or an abort, which resets the connection
/// when an answer cannot be completed honestly. The one place the write path meets the listener.
/// </summary>
internal interface IClientResponse
{
    int StatusCode { get; set; }
    string? ContentType { set; }
    /// <summary>A known length (whole answers); streams leave it unset and send chunked.</summary>
    long ContentLength { set; }
    bool SendChunked { set; }
    void SetHeader(string name, string value);
    ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct);
    Task FlushAsync(CancellationToken ct);
    /// <summary>Ends the answer (a stream's final chunk).</summary>
    void Close();
    /// <summary>A TCP reset: never the graceful close that would hand the client a complete-looking answer.</summary>
    void Abort();
}

/// <summary><see cref="IClientResponse"/> over an HttpListener response.</summary>
internal sealed class ListenerResponse(HttpListenerContext context) : IClientResponse
{
    private readonly HttpListenerResponse _response = context.Response;
    private Stream? _output;

    public int StatusCode { get => _response.StatusCode; set => _response.StatusCode = value; }
    public string? ContentType { set => _response.ContentType = value; }
    public long ContentLength { set => _response.ContentLength64 = value; }
    public bool SendChunked { set => _response.SendChunked = value; }
    public void SetHeader(string name, string value) => _response.Headers[name] = value;
    public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct) => (_output ??= _response.OutputStream).WriteAsync(bytes, ct);
    public Task FlushAsync(CancellationToken ct) => (_output ??= _response.OutputStream).FlushAsync(ct);
    public void Close() => _response.Close();
    public void Abort() => ListenerSocketTuning.Reset(context);
}
