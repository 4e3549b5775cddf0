using System.Buffers;
using System.Net;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Hosting;

/// <summary>
/// The client side of a streaming response. Event sinks write into <see cref="Buffer"/>; whoever holds the
/// gate (the backend read loop or a ping) sends the buffered bytes. A failed write means the client is gone:
/// the request is cancelled at once so the backend stops generating for nobody.
/// </summary>
internal sealed class SseResponse(RequestScope scope) : IDisposable
{
    private const int MaxCapturedBytes = 1 << 20;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Stream _output = scope.Response.OutputStream;
    private MemoryStream? _capture;

    public ArrayBufferWriter<byte> Buffer { get; } = new(4096);
    public IAnthropicEventSink? Sink { get; set; }
    public bool ClientGone { get; private set; }

    /// <summary>False while relayed bytes end inside a frame: a keepalive then would corrupt it.</summary>
    public bool AtFrameBoundary { get; set; } = true;
    public Action? Written { get; set; }

    /// <summary>Commits 200 text/event-stream.</summary>
    public void Begin(bool captureForTrace)
    {
        var r = scope.Response;
        r.StatusCode = 200;
        r.ContentType = "text/event-stream; charset=utf-8";
        r.SendChunked = true;
        r.Headers["Cache-Control"] = "no-cache";
        scope.ResponseStarted = true;
        if (captureForTrace) _capture = new MemoryStream();
    }

    public Task EnterAsync() => _gate.WaitAsync(scope.Token);

    /// <summary>Sends what the sink wrote and releases the gate.</summary>
    public async Task FlushAndExitAsync()
    {
        try { await SendBufferedAsync().ConfigureAwait(false); }
        finally { _gate.Release(); }
    }

    /// <summary>Heartbeat callback: a ping event (our own streams) or an SSE comment (relayed streams, between
    /// frames only), unless events are being written right now anyway.</summary>
    public async Task PingAsync()
    {
        if (!_gate.Wait(0)) return;
        try
        {
            if (Sink is not null) Sink.Ping();
            else if (AtFrameBoundary) Buffer.Write(": keepalive\n\n"u8);
            await SendBufferedAsync().ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    public string? CapturedText() =>
        _capture is null ? null : System.Text.Encoding.UTF8.GetString(_capture.GetBuffer(), 0, (int)_capture.Length);

    private async Task SendBufferedAsync()
    {
        if (Buffer.WrittenCount == 0) return;
        var bytes = Buffer.WrittenMemory;
        if (_capture is not null && _capture.Length < MaxCapturedBytes) _capture.Write(bytes.Span);
        try
        {
            await _output.WriteAsync(bytes, scope.Token).ConfigureAwait(false);
            await _output.FlushAsync(scope.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            ClientGone = true;
            try { scope.Cancel.Cancel(); } catch (ObjectDisposedException) { }
            throw new OperationCanceledException("The client closed the connection.", e, scope.Token);
        }
        finally
        {
            Buffer.ResetWrittenCount();
        }
        Written?.Invoke();
    }

    public void Dispose() => _gate.Dispose();
}
