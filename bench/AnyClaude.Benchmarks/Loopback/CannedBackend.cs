using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.FakeBackend.Http;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>
/// A minimal raw-socket OpenAI-compatible server that replays a canned stream as fast as it can:
/// HTTP/1.1 keep-alive, chunked encoding, one socket send per SSE event (as LM Studio sends them),
/// no JSON parsing of the request. GET /bench/use?chunks=N[&amp;shape=Text][&amp;gap=ms] picks the stream (and a pause
/// between token chunks) for the next requests;
/// GET /api/v0/models answers like LM Studio so the proxy learns a context window.
/// </summary>
internal sealed class CannedBackend : IDisposable
{
    private static readonly byte[] s_streamHead = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n");
    private static readonly byte[] s_modelsJson = Encoding.ASCII.GetBytes(
        "{\"object\":\"list\",\"data\":[{\"id\":\"" + OpenAiStream.ModelId + "\",\"object\":\"model\",\"type\":\"llm\",\"state\":\"loaded\","
        + "\"max_context_length\":262144,\"loaded_context_length\":131072}]}");

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(int, StreamShape), byte[][]> _streams = new();
    private volatile byte[][] _current;
    private volatile int _gapMs;

    public CannedBackend(int port = 0)
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _current = Framed(2000, StreamShape.Mixed);
        _ = AcceptLoopAsync();
    }

    public int Port { get; }
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/v1");

    /// <summary>Child-process mode: serve until stdin closes (the harness exits or kills us).</summary>
    public static async Task<int> ServeAsync()
    {
        using var backend = new CannedBackend();
        Console.WriteLine($"PORT {backend.Port}");
        Console.Out.Flush();
        await Task.Run(() => { while (Console.In.ReadLine() is not null) { } });
        return 0;
    }

    /// <summary>The stream's events pre-framed as HTTP chunks; the last element ends the body.</summary>
    private byte[][] Framed(int chunks, StreamShape shape) => _streams.GetOrAdd((chunks, shape), key =>
    {
        var events = OpenAiStream.Create(key.Item1, key.Item2).Events;
        var framed = events.Select(e => Concat(Encoding.ASCII.GetBytes($"{e.Length:x}\r\n"), e, "\r\n"u8.ToArray())).ToList();
        framed.Add("0\r\n\r\n"u8.ToArray());
        return framed.ToArray();
    });

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception) { return; }
            client.NoDelay = true;
            // A thread of its own, not the pool's: sends block, and the side-by-side benchmark opens 100 connections at once.
            new Thread(() => ServeConnectionAsync(client).GetAwaiter().GetResult()) { IsBackground = true }.Start();
        }
    }

    /// <summary>Per-connection loop on its own thread, with blocking sends: cheap and predictable for up to a few hundred connections.</summary>
    private async Task ServeConnectionAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = new HttpRequestReader(stream);
        try
        {
            while (await reader.ReadAsync(_stop.Token) is { } request)
            {
                if (request.Target.StartsWith("/bench/use?", StringComparison.Ordinal))
                {
                    var query = System.Web.HttpUtility.ParseQueryString(request.Target["/bench/use?".Length..]);
                    _current = Framed(int.Parse(query["chunks"] ?? "2000"), Enum.Parse<StreamShape>(query["shape"] ?? nameof(StreamShape.Mixed)));
                    _gapMs = int.Parse(query["gap"] ?? "0");
                    SendSimple(socket, "200 OK", "text/plain", "ok"u8.ToArray());
                }
                else if (request.Method == "POST" && request.Target.EndsWith("/chat/completions", StringComparison.Ordinal))
                {
                    socket.Send(s_streamHead);
                    var frames = _current;
                    var gap = _gapMs;
                    for (var i = 0; i < frames.Length; i++)
                    {
                        // Paced mode: a token every gap ms after the role chunk, like a model generating.
                        if (gap > 0 && i > 1 && i < frames.Length - 4) Thread.Sleep(gap);
                        socket.Send(frames[i]);
                    }
                }
                else if (request.Target.EndsWith("/models", StringComparison.Ordinal))
                {
                    SendSimple(socket, "200 OK", "application/json", s_modelsJson);
                }
                else
                {
                    SendSimple(socket, "404 Not Found", "application/json", "{\"error\":\"not found\"}"u8.ToArray());
                }
                if (!request.ClientWantsKeepAlive) return;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or InvalidDataException or OperationCanceledException) { }
    }

    private static void SendSimple(Socket socket, string status, string contentType, byte[] body)
    {
        socket.Send(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n\r\n"));
        socket.Send(body);
    }

    private static byte[] Concat(byte[] a, byte[] b, byte[] c) => [.. a, .. b, .. c];

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }
}
