using System.Net;
using System.Net.Sockets;
using System.Text;
using AnyClaude.Diagnostics.Workload;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>
/// Diagnostic (`loopback-baseline`): what a bare System.Net.HttpListener costs on the time to first token,
/// with no translation at all. It reads the 80 KB body, answers 200 chunked, writes a message_start
/// frame, flushes, then a content_block_delta frame, flushes, and ends. Run with and without a pause
/// between the two frames, the gap shows whether small writes on HttpListener's socket wait for the
/// client's delayed ACK (Nagle).
/// </summary>
internal static class ListenerBaseline
{
    public static async Task<int> RunAsync(string[] args)
    {
        var requests = args.Length > 0 ? int.Parse(args[0]) : 100;
        var noDelay = args.Contains("--nodelay");
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var inherited = args.Contains("--listen-nodelay") && ListenerNoDelay.Apply() > 0;
        _ = ServeAsync(listener, noDelay);

        var body = ClaudeCodeRequest.Create();
        using var client = new StreamClient();
        var url = new Uri($"http://127.0.0.1:{port}/");
        for (var i = 0; i < 10; i++) await client.ProxyAsync(url, "x", body);
        var timings = new List<StreamTiming>();
        for (var i = 0; i < requests; i++) timings.Add(await client.ProxyAsync(url, "x", body));
        var first = Stats.Of(timings.Select(t => t.FirstEventMs));
        var token = Stats.Of(timings.Select(t => t.TtftMs));
        Console.WriteLine($"""
            | bare HttpListener{(noDelay ? " with TCP_NODELAY" : "")}{(inherited ? " with TCP_NODELAY on the listening socket" : "")}, {requests} requests of {body.Length:N0} bytes | median ms | p90 ms | p99 ms |
            |---|---:|---:|---:|
            | first frame (message_start) | {first.Median:F3} | {first.P90:F3} | {first.P99:F3} |
            | second frame (content_block_delta), written right after | {token.Median:F3} | {token.P90:F3} | {token.P99:F3} |
            """);
        listener.Stop();
        return 0;
    }

    private static async Task ServeAsync(HttpListener listener, bool noDelay)
    {
        var start = Encoding.ASCII.GetBytes("event: message_start\ndata: {\"type\":\"message_start\"}\n\n");
        var delta = Encoding.ASCII.GetBytes("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n");
        var buffer = new byte[256 * 1024];
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); }
            catch (Exception) { return; }
            if (noDelay) SetNoDelay(context);
            while (await context.Request.InputStream.ReadAsync(buffer) > 0) { }
            var response = context.Response;
            response.StatusCode = 200;
            response.ContentType = "text/event-stream";
            response.SendChunked = true;
            await response.OutputStream.WriteAsync(start);
            await response.OutputStream.FlushAsync();
            await Task.Yield(); // as through the proxy: the next frame follows from another continuation
            await response.OutputStream.WriteAsync(delta);
            await response.OutputStream.FlushAsync();
            response.Close();
        }
    }

    /// <summary>Experiment only: the managed (Unix) HttpListener keeps its Socket in private fields
    /// (HttpListenerContext._connection._socket); there is no public way to set NoDelay.</summary>
    private static void SetNoDelay(HttpListenerContext context)
    {
        const System.Reflection.BindingFlags Private = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
        var connection = context.GetType().GetField("_connection", Private)?.GetValue(context);
        var socket = connection?.GetType().GetField("_socket", Private)?.GetValue(connection) as Socket
            ?? throw new InvalidOperationException("HttpListener internals changed: no _connection._socket");
        socket.NoDelay = true;
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        try { return ((IPEndPoint)probe.LocalEndpoint).Port; }
        finally { probe.Stop(); }
    }
}
