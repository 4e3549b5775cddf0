using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Hosting;

/// <summary>Issue 8, item 4: a connection whose request headers (or body) stop arriving is closed after a timeout
/// instead of being held forever (slowloris). Raw sockets: HttpClient never sends half a header.</summary>
public sealed class HeaderTimeoutTests
{
    /// <summary>How long a test waits for the proxy to close a connection: far beyond the shortened timeouts, so a
    /// connection still open after it is held without bound.</summary>
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    private static ProxyServer StartProxy(TimeSpan headerTimeout, Func<ProxyOptions, ProxyOptions>? tweak = null)
    {
        var options = new ProxyOptions { HeaderTimeout = headerTimeout };
        return ProxyServer.Start(tweak is null ? options : tweak(options));
    }

    /// <summary>A proxy with a 1 s header timeout whose own sweeper is at work (skipped on Windows: http.sys times out
    /// incomplete headers itself).</summary>
    private static ProxyServer StartSweepingProxy()
    {
        Skip.If(OperatingSystem.IsWindows(), "http.sys times out incomplete headers itself (HeaderWait)");
        var proxy = StartProxy(TimeSpan.FromSeconds(1));
        if (proxy.ListenerLimitation is { } limitation)
        {
            proxy.Dispose();
            Assert.Fail($"the header-timeout sweeper is not at work: {limitation}");
        }
        return proxy;
    }

    private static string Get(ProxyServer proxy, string path = "/", bool close = false) =>
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{proxy.Port}\r\nx-api-key: {proxy.Token}\r\n{(close ? "Connection: close\r\n" : "")}\r\n";

    /// <summary>Reads exactly one response (head and Content-Length body) from a kept-alive connection.</summary>
    private static async Task<(int Status, string Body)> ReadOneResponseAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(s_wait);
        var bytes = new List<byte>();
        var one = new byte[1];
        while (!Encoding.ASCII.GetString([.. bytes]).EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await socket.ReceiveAsync(one, SocketFlags.None, cts.Token) == 0) throw new IOException("closed before a complete head");
            bytes.Add(one[0]);
        }
        var head = Encoding.ASCII.GetString([.. bytes]);
        var length = head.Split("\r\n").Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l[15..].Trim())).Single();
        var body = new byte[length];
        for (var read = 0; read < length;)
        {
            var n = await socket.ReceiveAsync(body.AsMemory(read), SocketFlags.None, cts.Token);
            if (n == 0) throw new IOException("closed inside the body");
            read += n;
        }
        return (int.Parse(head.AsSpan(9, 3)), Encoding.UTF8.GetString(body));
    }

    private static void AssertTimedOut(RawResult result)
    {
        Assert.NotEqual(RawEnding.StillOpen, result.Ending);
        Assert.Equal(408, result.Status);
        var error = JsonDocument.Parse(result.Body).RootElement;
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("timeout_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("request headers did not arrive within 1 s", error.GetProperty("error").GetProperty("message").GetString());
    }

    [SkippableFact]
    public async Task Partial_headers_then_silence_are_answered_408_and_the_connection_closed()
    {
        await using var proxy = StartSweepingProxy();
        using var socket = await RawClient.ConnectAsync(proxy);
        await socket.SendAsync("GET / HTTP/1.1\r\nHo"u8.ToArray());
        var result = await RawClient.ReadAllAsync(socket, s_wait);
        AssertTimedOut(result);
        Assert.Equal(1, proxy.HeaderTimeoutsClosed);
        Assert.Empty(proxy.GetRecords()); // no request ever reached the proxy
    }

    [SkippableFact]
    public async Task A_request_line_cut_in_the_middle_is_closed_too()
    {
        await using var proxy = StartSweepingProxy();
        using var socket = await RawClient.ConnectAsync(proxy);
        await socket.SendAsync("GET /v1/mo"u8.ToArray());
        AssertTimedOut(await RawClient.ReadAllAsync(socket, s_wait));
    }

    [SkippableFact]
    public async Task Partial_headers_of_the_next_request_on_a_kept_alive_connection_are_closed()
    {
        await using var proxy = StartSweepingProxy();
        using var socket = await RawClient.ConnectAsync(proxy);
        await socket.SendAsync(Encoding.ASCII.GetBytes(Get(proxy)));
        var (status, body) = await ReadOneResponseAsync(socket);
        Assert.Equal(200, status);
        Assert.Contains("AnyClaude proxy", body);
        await socket.SendAsync(Encoding.ASCII.GetBytes(Get(proxy)[..30]));
        AssertTimedOut(await RawClient.ReadAllAsync(socket, s_wait));
    }

    [Fact]
    public async Task Headers_that_arrive_slowly_but_within_the_timeout_get_their_answer()
    {
        await using var proxy = StartProxy(TimeSpan.FromSeconds(6));
        using var socket = await RawClient.ConnectAsync(proxy);
        var request = Encoding.ASCII.GetBytes(Get(proxy, close: true));
        // About two seconds of trickling: a slow client, not a stalled one.
        for (var at = 0; at < request.Length; at += 16)
        {
            await socket.SendAsync(request.AsMemory(at, Math.Min(16, request.Length - at)));
            await Task.Delay(150);
        }
        var result = await RawClient.ReadAllAsync(socket, s_wait);
        Assert.Equal(200, result.Status);
        Assert.Contains("AnyClaude proxy", result.Body);
        Assert.Equal(0, proxy.HeaderTimeoutsClosed);
    }

    [Fact]
    public async Task A_kept_alive_connection_idle_longer_than_the_header_timeout_is_not_cut()
    {
        await using var proxy = StartProxy(TimeSpan.FromSeconds(1));
        using var socket = await RawClient.ConnectAsync(proxy);
        for (var i = 0; i < 2; i++)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(Get(proxy)));
            var (status, _) = await ReadOneResponseAsync(socket);
            Assert.Equal(200, status);
            // Idle between requests (no header byte yet): the listener's own keep-alive timer (15 s) governs that.
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        Assert.Equal(0, proxy.HeaderTimeoutsClosed);
    }

    [Fact]
    public async Task A_keep_alive_client_is_served_across_many_requests()
    {
        await using var proxy = StartProxy(TimeSpan.FromSeconds(1));
        using var client = Client(proxy);
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            await Task.Delay(TimeSpan.FromMilliseconds(700));
        }
        Assert.Equal(0, proxy.HeaderTimeoutsClosed);
    }

    [Fact]
    public async Task A_request_that_takes_longer_than_the_header_timeout_is_not_cut()
    {
        await using var backend = new RawBackend(async (s, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            foreach (var part in new[] { RawBackend.SseHead, RawBackend.Chunk("late but fine", "stop"), "data: [DONE]\n\n"u8.ToArray() })
                await s.WriteAsync(part, ct);
        });
        await using var proxy = backend.StartProxy(tweak: o => o with { HeaderTimeout = TimeSpan.FromSeconds(1) });
        var result = await RawClient.ExchangeAsync(proxy, RawClient.Post(proxy, "/v1/messages", Body(true)), TimeSpan.FromSeconds(30));
        Assert.Equal(200, result.Status);
        var events = Events(result.Body);
        Assert.Equal("late but fine", TextOf(events));
        Assert.Equal("message_stop", events[^1].Event);
        Assert.Equal(0, proxy.HeaderTimeoutsClosed);
    }

    [Fact]
    public void Its_absence_is_described_with_what_it_changes()
    {
        var changed = ListenerHeaderTimeout.Describe(fieldsFound: false, new Version(11, 0, 0));
        Assert.Contains(".NET 11.0.0", changed);
        Assert.Contains("keeps its connection open", changed);
        Assert.Contains("stopped", ListenerHeaderTimeout.Describe(fieldsFound: true, new Version(11, 0, 0), failed: true));
    }

    // ---- headers complete, body missing ----

    public static TheoryData<string> BodyPaths => new() { "/v1/messages", "/v1/messages/count_tokens", "/anyclaude/mode", "/" };

    /// <summary>Content-Length 100, ten bytes, then silence (no FIN): every path closes the connection, whether it reads
    /// the body (body timeout) or not (the listener drains the rest for a second after answering).</summary>
    [SkippableTheory]
    [MemberData(nameof(BodyPaths))]
    public async Task A_body_that_stops_arriving_never_holds_the_connection(string path)
    {
        Skip.If(OperatingSystem.IsWindows() && path == "/", "http.sys drains an unread body for its own DrainEntityBody time (2 minutes by default)");
        await using var proxy = StartProxy(TimeSpan.FromSeconds(30), o => o with { RequestBodyTimeout = TimeSpan.FromSeconds(1) });
        var auth = path.StartsWith("/anyclaude/", StringComparison.Ordinal) ? $"Authorization: Bearer {proxy.ControlToken}" : $"x-api-key: {proxy.Token}";
        var method = path == "/" ? "GET" : "POST";
        var head = $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{proxy.Port}\r\n{auth}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
        using var socket = await RawClient.ConnectAsync(proxy);
        await socket.SendAsync(Encoding.ASCII.GetBytes(head + "{\"model\":\""));
        var result = await RawClient.ReadAllAsync(socket, s_wait);
        Assert.NotEqual(RawEnding.StillOpen, result.Ending);
        if (path != "/") Assert.NotEqual(200, result.Status);
    }
}
