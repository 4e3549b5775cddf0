using System.Buffers;
using System.Net;
using AnyClaude.Proxy.Errors;
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
    private readonly IClientResponse _output = scope.Response;
    private MemoryStream? _capture;

    public ArrayBufferWriter<byte> Buffer { get; } = new(4096);
    public IAnthropicEventSink? Sink { get; set; }
    public bool ClientGone { get; private set; }

    /// <summary>False while relayed bytes end inside a frame: a keepalive then would corrupt it.</summary>
    public bool AtFrameBoundary { get; set; } = true;
    public Action? Written { get; set; }

    /// <summary>True while keepalives must wait: a backend whose errors should stay HTTP statuses has not answered yet.</summary>
    public bool PingsHeld { get; set; }

    private bool _begun;
    private bool _deferred;
    private bool _abandoned;
    private bool _captureForTrace;

    /// <summary>Commits 200 text/event-stream (once).</summary>
    public void Begin(bool captureForTrace)
    {
        if (_begun) return;
        _begun = true;
        _output.StatusCode = 200;
        _output.ContentType = "text/event-stream; charset=utf-8";
        _output.SendChunked = true;
        _output.SetHeader("Cache-Control", "no-cache");
        scope.ResponseStarted = true;
        if (captureForTrace) _capture = new MemoryStream();
    }

    /// <summary>Commits the stream only when the first bytes go out (a ping or the backend's first chunk). Until then a
    /// backend that is down or refuses the request can still be answered with an HTTP error status and
    /// x-should-retry, which Claude Code acts on; an error event after a 200 makes it retry without streaming.</summary>
    public void BeginOnFirstWrite(bool captureForTrace)
    {
        _deferred = true;
        _captureForTrace = captureForTrace;
    }

    /// <summary>True, and nothing will ever be sent, when the stream has not been committed yet: the caller answers
    /// with an HTTP error instead. False once bytes went out.</summary>
    public async Task<bool> TryAbandonAsync()
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_begun) return false;
            _abandoned = true;
            Buffer.ResetWrittenCount();
            return true;
        }
        finally { _gate.Release(); }
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
        if (PingsHeld || !_gate.Wait(0)) return;
        try
        {
            if (Sink is not null) Sink.Ping();
            else if (AtFrameBoundary) Buffer.Write(": keepalive\n\n"u8);
            await SendBufferedAsync().ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    /// <summary>The failure as the stream's last event (a frame cut in the middle is closed first, so the error event
    /// parses on its own).</summary>
    public async Task WriteErrorEventAsync(ApiException error)
    {
        await EnterAsync().ConfigureAwait(false);
        if (!AtFrameBoundary) Buffer.Write("\n\n"u8);
        AnthropicErrorJson.WriteEvent(Buffer, error);
        AtFrameBoundary = true;
        await FlushAndExitAsync().ConfigureAwait(false);
    }

    public string? CapturedText() =>
        _capture is null ? null : System.Text.Encoding.UTF8.GetString(_capture.GetBuffer(), 0, (int)_capture.Length);

    private async Task SendBufferedAsync()
    {
        if (Buffer.WrittenCount == 0) return;
        if (_abandoned)
        {
            Buffer.ResetWrittenCount();
            return;
        }
        if (!_begun && _deferred) Begin(_captureForTrace);
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
