using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Capture;

/// <summary>
/// A stand-in for api.anthropic.com on 127.0.0.1 that records every request Claude Code sends and answers
/// from <see cref="ConversationScript"/>: HEAD/GET / → 200, count_tokens → an estimate, messages → SSE
/// (or JSON when stream is false). No proxy involved: this is what Claude Code itself sends.
/// </summary>
internal sealed class CaptureServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly List<CapturedRequest> _requests = [];
    private readonly Task _loop;
    private int _sequence;

    private CaptureServer(HttpListener listener, int port)
    {
        _listener = listener;
        Port = port;
        _loop = Task.Run(AcceptLoop);
    }

    public int Port { get; }
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}");

    /// <summary>A snapshot, in arrival order.</summary>
    public IReadOnlyList<CapturedRequest> Requests
    {
        get { lock (_requests) return _requests.ToList(); }
    }

    public static CaptureServer Start()
    {
        // HttpListener cannot bind port 0: take a free port from the OS and retry if someone grabs it first.
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new CaptureServer(listener, port);
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                listener.Close();
            }
        }
    }

    private async Task AcceptLoop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            var headers = request.Headers.AllKeys.Where(k => k is not null)
                .ToDictionary(k => k!, k => request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            var captured = new CapturedRequest(Interlocked.Increment(ref _sequence), request.HttpMethod,
                request.RawUrl ?? "/", headers, body.ToArray());
            lock (_requests) _requests.Add(captured);
            await RespondAsync(captured, response);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // Claude Code hung up (it may abandon side requests); nothing to answer.
        }
        finally
        {
            try { response.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
        }
    }

    private static async Task RespondAsync(CapturedRequest captured, HttpListenerResponse response)
    {
        if (captured.Path == "/" && captured.Method is "HEAD" or "GET")
        {
            response.StatusCode = 200;
            return;
        }
        if (captured.Method != "POST" || captured.Path is not ("/v1/messages" or "/v1/messages/count_tokens"))
        {
            await WriteJsonAsync(response, 404, AnthropicReplyWriter.Error("not_found_error", $"{captured.Method} {captured.Path} is not served here"));
            return;
        }

        JsonDocument doc;
        try
        {
            doc = captured.Json();
        }
        catch (JsonException e)
        {
            await WriteJsonAsync(response, 400, AnthropicReplyWriter.Error("invalid_request_error", e.Message));
            return;
        }
        using (doc)
        {
            var root = doc.RootElement;
            // A rough estimate is plausible enough: Claude Code only shows it.
            var inputTokens = Math.Max(1, captured.Body.Length / 4);
            if (captured.Path == "/v1/messages/count_tokens")
            {
                await WriteJsonAsync(response, 200, Encoding.UTF8.GetBytes($"{{\"input_tokens\":{inputTokens}}}"));
                return;
            }
            var answer = ConversationScript.Answer(root);
            var model = root.TryGetProperty("model", out var m) ? m.GetString() ?? "claude" : "claude";
            var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            if (!stream)
            {
                await WriteJsonAsync(response, 200, AnthropicReplyWriter.NonStreaming(answer, model, inputTokens));
                return;
            }
            response.StatusCode = 200;
            response.ContentType = "text/event-stream";
            response.SendChunked = true;
            response.Headers["Cache-Control"] = "no-cache";
            foreach (var frame in AnthropicReplyWriter.StreamFrames(answer, model, inputTokens))
            {
                var bytes = Encoding.UTF8.GetBytes(frame);
                await response.OutputStream.WriteAsync(bytes);
                await response.OutputStream.FlushAsync();
            }
        }
    }

    private static async Task WriteJsonAsync(HttpListenerResponse response, int status, byte[] body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body);
    }

    public void Dispose()
    {
        try { _listener.Stop(); } catch (ObjectDisposedException) { }
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
