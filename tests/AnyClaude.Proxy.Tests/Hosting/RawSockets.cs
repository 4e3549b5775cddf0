using System.Net;
using System.Net.Sockets;
using System.Text;
using AnyClaude.FakeBackend.Http;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Proxy.Tests.Hosting;

/// <summary>A misbehaving backend in a few lines: a loopback TCP server that reads one HTTP request (head and
/// Content-Length body) per connection and then runs a script on the raw connection, so a test controls every
/// byte (and every close) the proxy receives.</summary>
internal sealed class RawBackend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>script gets the connection's stream after the request was read; when it returns the socket is closed.</summary>
    public RawBackend(Func<NetworkStream, CancellationToken, Task> script)
    {
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket;
                try { socket = await _listener.AcceptSocketAsync(_stop.Token); }
                catch (Exception) { return; }
                _ = Task.Run(async () =>
                {
                    using (socket)
                    await using (var stream = new NetworkStream(socket, ownsSocket: false))
                    {
                        try
                        {
                            Requests.Enqueue(await ReadRequestAsync(stream, _stop.Token));
                            await script(stream, _stop.Token);
                        }
                        catch (Exception) { /* the proxy hung up: fine for a misbehaving backend */ }
                    }
                });
            }
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/v1");
    public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>A proxy in OpenAI-compatible mode (no context-window lookup) in front of this backend.</summary>
    public ProxyServer StartProxy(BackendMode mode = BackendMode.OpenAICompatible, Func<ProxyOptions, ProxyOptions>? tweak = null)
    {
        var options = new ProxyOptions
        {
            Mode = mode,
            Backends = new Dictionary<BackendMode, BackendSettings> { [mode] = BackendSettings.Default(mode) with { BaseUrl = mode is BackendMode.AnthropicCompatible ? new Uri($"http://127.0.0.1:{Port}") : BaseUrl } },
        };
        return ProxyServer.Start(tweak is null ? options : tweak(options));
    }

    /// <summary>The request as text (head and body), read with the fake backend's reader.</summary>
    private static async Task<string> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var request = await new HttpRequestReader(stream).ReadAsync(ct) ?? throw new IOException("request cut");
        var head = new StringBuilder($"{request.Method} {request.Target} {request.Version}\r\n");
        foreach (var (name, value) in request.Headers) head.Append($"{name}: {value}\r\n");
        return head.Append("\r\n").Append(Encoding.UTF8.GetString(request.Body ?? [])).ToString();
    }

    /// <summary>Response head for a close-delimited SSE body (HTTP/1.0, like mlx_lm.server).</summary>
    public static byte[] SseHead => "HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"u8.ToArray();

    public static byte[] Chunk(string content, string? finish = null) => Encoding.UTF8.GetBytes(
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
        + System.Text.Json.JsonSerializer.Serialize(content) + "},\"finish_reason\":"
        + (finish is null ? "null" : "\"" + finish + "\"") + "}]}\n\n");

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _loop;
    }
}

/// <summary>The client side with raw sockets: exact bytes out, everything that comes back (and how it ended).</summary>
internal static class RawClient
{
    public static async Task<Socket> ConnectAsync(ProxyServer proxy)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, proxy.Port);
        return socket;
    }

    public static string Post(ProxyServer proxy, string path, string body, string? extraHeaders = null, int? contentLength = null, string host = "127.0.0.1") =>
        $"POST {path} HTTP/1.1\r\nHost: {host}:{proxy.Port}\r\nConnection: close\r\nx-api-key: {proxy.Token}\r\nContent-Type: application/json\r\n"
        + $"Content-Length: {contentLength ?? Encoding.UTF8.GetByteCount(body)}\r\n{extraHeaders}\r\n{body}";

    /// <summary>Reads until the peer closes (or resets) the connection or the timeout passes.</summary>
    public static async Task<RawResult> ReadAllAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var all = new MemoryStream();
        var buffer = new byte[16 * 1024];
        var ending = RawEnding.Closed;
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0) break;
                all.Write(buffer, 0, n);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            ending = RawEnding.Reset;
        }
        catch (OperationCanceledException)
        {
            ending = RawEnding.StillOpen;
        }
        return new RawResult(all.ToArray(), ending);
    }

    /// <summary>Sends raw bytes and reads the whole answer.</summary>
    public static async Task<RawResult> ExchangeAsync(ProxyServer proxy, byte[] request, TimeSpan timeout, bool halfClose = false)
    {
        using var socket = await ConnectAsync(proxy);
        await socket.SendAsync(request);
        if (halfClose) socket.Shutdown(SocketShutdown.Send);
        return await ReadAllAsync(socket, timeout);
    }

    public static Task<RawResult> ExchangeAsync(ProxyServer proxy, string request, TimeSpan timeout, bool halfClose = false) =>
        ExchangeAsync(proxy, Encoding.UTF8.GetBytes(request), timeout, halfClose);
}

internal enum RawEnding { Closed, Reset, StillOpen }

internal sealed record RawResult(byte[] Bytes, RawEnding Ending)
{
    public string Text => Encoding.UTF8.GetString(Bytes);
    public int Status => Text.StartsWith("HTTP/1.", StringComparison.Ordinal) ? int.Parse(Text.AsSpan(9, 3)) : 0;
    public string Head => Text.IndexOf("\r\n\r\n", StringComparison.Ordinal) is var i and >= 0 ? Text[..i] : Text;

    /// <summary>The body, de-chunked when the response was chunked.</summary>
    public string Body
    {
        get
        {
            var i = Text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (i < 0) return "";
            var raw = Text[(i + 4)..];
            if (!Head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)) return raw;
            var sb = new StringBuilder();
            var at = 0;
            while (at < raw.Length)
            {
                var eol = raw.IndexOf("\r\n", at, StringComparison.Ordinal);
                if (eol < 0) break;
                var size = Convert.ToInt32(raw[at..eol], 16);
                if (size == 0) break;
                if (eol + 2 + size > raw.Length) { sb.Append(raw[(eol + 2)..]); break; }
                sb.Append(raw, eol + 2, size);
                at = eol + 2 + size + 2;
            }
            return sb.ToString();
        }
    }

    /// <summary>True when the body is a complete chunked body (ends with the zero chunk) — what a client takes as success.</summary>
    public bool CompleteChunked => Text.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
}
