using System.Net;
using System.Net.Sockets;
using System.Text;
using AnyClaude.FakeBackend.Http;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>
/// An OpenAI-compatible stub for the load scenarios: asynchronous (hundreds of concurrent streams without a thread
/// each, unlike <see cref="CannedBackend"/>), and every stream carries its request's tag, so a client can tell
/// whether it received its own stream and nothing else. The prompt says <c>tag-ID chunks-N</c>; the reply is a role
/// chunk, N content chunks whose text is <c>"ID:SEQ "</c> (SEQ = 0 … N-1), a finish chunk and [DONE], one socket send
/// per event, HTTP/1.1 chunked and kept alive as LM Studio sends them. Runs as the child process
/// <c>loopback-tagged-backend</c> (pinned to CPU 1 like the canned backend).
/// </summary>
internal sealed class TaggedBackend : IDisposable
{
    private static readonly byte[] s_head = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n");
    private const string Envelope = "{\"id\":\"chatcmpl-load\",\"object\":\"chat.completion.chunk\",\"created\":1764460800,\"model\":\"load-test\",\"choices\":[{\"index\":0,\"delta\":";

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();

    public TaggedBackend()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1024);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _ = AcceptLoopAsync();
    }

    public int Port { get; }

    public static async Task<int> ServeAsync()
    {
        using var backend = new TaggedBackend();
        Console.WriteLine($"PORT {backend.Port}");
        Console.Out.Flush();
        await Task.Run(() => { while (Console.In.ReadLine() is not null) { } });
        return 0;
    }

    /// <summary>The prompt text that asks for a tagged stream.</summary>
    public static string Prompt(int tag, int chunks) => $"tag-{tag} chunks-{chunks}";

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception) { return; }
            client.NoDelay = true;
            _ = ServeConnectionAsync(client);
        }
    }

    private static async Task ServeConnectionAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = new HttpRequestReader(stream);
        try
        {
            while (await reader.ReadAsync(CancellationToken.None) is { } request)
            {
                if (request.Method == "POST" && request.Target.EndsWith("/chat/completions", StringComparison.Ordinal))
                {
                    var prompt = Encoding.UTF8.GetString(request.Body ?? []);
                    await StreamAsync(socket, Number(prompt, "tag-"), Number(prompt, "chunks-"));
                }
                else
                {
                    var body = request.Target.EndsWith("/models", StringComparison.Ordinal)
                        ? "{\"object\":\"list\",\"data\":[{\"id\":\"load-test\",\"object\":\"model\"}]}"
                        : "{\"error\":\"not found\"}";
                    var status = body.StartsWith("{\"object", StringComparison.Ordinal) ? "200 OK" : "404 Not Found";
                    await socket.SendAsync(Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}"));
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or InvalidDataException) { }
    }

    private static async Task StreamAsync(Socket socket, int tag, int chunks)
    {
        await socket.SendAsync(s_head);
        await SendEventAsync(socket, Envelope + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
        for (var seq = 0; seq < chunks; seq++)
            await SendEventAsync(socket, Envelope + $"{{\"content\":\"{tag}:{seq} \"}},\"finish_reason\":null}}]}}");
        await SendEventAsync(socket, Envelope + "{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":" + chunks + ",\"total_tokens\":" + (chunks + 12) + "}}");
        await SendRawAsync(socket, "data: [DONE]\n\n");
        await socket.SendAsync("0\r\n\r\n"u8.ToArray());
    }

    private static Task SendEventAsync(Socket socket, string json) => SendRawAsync(socket, "data: " + json + "\n\n");

    private static async Task SendRawAsync(Socket socket, string sse)
    {
        var payload = Encoding.UTF8.GetBytes(sse);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"{payload.Length:x}\r\n").Concat(payload).Concat("\r\n"u8.ToArray()).ToArray());
    }

    /// <summary>The number after <paramref name="prefix"/> in the body (the proxy forwards the prompt as it is).</summary>
    private static int Number(string body, string prefix)
    {
        var at = body.IndexOf(prefix, StringComparison.Ordinal);
        if (at < 0) return 0;
        at += prefix.Length;
        var end = at;
        while (end < body.Length && char.IsAsciiDigit(body[end])) end++;
        return int.Parse(body.AsSpan(at, end - at));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }
}
