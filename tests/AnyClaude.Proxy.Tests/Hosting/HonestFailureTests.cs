using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Hosting;

/// <summary>Issue 8, items 1 and 5: a failure never reaches the client as a success, and each failure says what
/// really happened. Backends are raw-socket servers that misbehave on purpose; clients are raw sockets, because
/// HttpClient would hide how a response ended.</summary>
public sealed class HonestFailureTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    private static async Task WriteAsync(NetworkStream s, params byte[][] parts)
    {
        foreach (var p in parts) { await s.WriteAsync(p); await s.FlushAsync(); }
    }

    private static string ErrorMessageOf(RawResult r)
    {
        // Before the stream is committed (the backend never accepted, or refused at once) the failure is an HTTP error.
        if (r.Status != 200) return JsonDocument.Parse(r.Body).RootElement.GetProperty("error").GetProperty("message").GetString()!;
        var events = Events(r.Body);
        var error = Assert.Single(events, e => e.Event == "error");
        return error.Data.GetProperty("error").GetProperty("message").GetString()!;
    }

    // ---- item 1: a backend that does not accept within the connect timeout ----

    /// <summary>A listening socket whose accept queue is full: the kernel drops further SYNs, so a connect hangs.</summary>
    private static (Socket Listener, List<Socket> Fillers) NonAcceptingBackend()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var fillers = new List<Socket>();
        for (var i = 0; i < 4; i++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _ = s.ConnectAsync(listener.LocalEndPoint!).ContinueWith(_ => { }, TaskScheduler.Default);
            fillers.Add(s);
        }
        return (listener, fillers);
    }

    private static async Task<bool> ConnectHangsAsync(EndPoint endpoint)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        try { await probe.ConnectAsync(endpoint, cts.Token); return false; }
        catch (OperationCanceledException) { return true; }
        catch (SocketException) { return false; }
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_backend_that_does_not_accept_in_time_is_a_504_timeout_not_a_client_hang_up(bool stream)
    {
        var (listener, fillers) = NonAcceptingBackend();
        try
        {
            await Task.Delay(100);
            Skip.IfNot(await ConnectHangsAsync(listener.LocalEndPoint!), "this kernel completes connects to a full accept queue");
            var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            await using var proxy = ProxyServer.Start(new ProxyOptions
            {
                Mode = BackendMode.OpenAICompatible,
                BackendConnectTimeout = TimeSpan.FromSeconds(1),
                Backends = new Dictionary<BackendMode, BackendSettings>
                {
                    [BackendMode.OpenAICompatible] = BackendSettings.Default(BackendMode.OpenAICompatible) with { BaseUrl = new Uri($"http://127.0.0.1:{port}/v1") },
                },
            });
            var result = await RawClient.ExchangeAsync(proxy, RawClient.Post(proxy, "/v1/messages", Body(stream)), s_wait);
            // Streaming or not, nothing was sent before the backend accepted: an HTTP 504, not a 200 stream.
            Assert.Equal(504, result.Status);
            var body = JsonDocument.Parse(result.Body).RootElement;
            Assert.Equal("timeout_error", body.GetProperty("error").GetProperty("type").GetString());
            var message = body.GetProperty("error").GetProperty("message").GetString()!;
            Assert.Contains("did not accept the connection within 1 s", message);
            await EventuallyAsync(() => proxy.GetRecords().Count == 1, "the record");
            var record = proxy.GetRecords()[0];
            Assert.NotEqual(499, record.Status);
            Assert.DoesNotContain("client closed", record.Error ?? "", StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            foreach (var f in fillers) f.Dispose();
            listener.Dispose();
        }
    }

    // ---- item 1 + 3: invalid UTF-8 or a lone surrogate in a backend's SSE chunk ----

    private static readonly byte[] s_invalidUtf8Chunk =
        [.. "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"bad "u8, 0xC3, 0x28, 0xFF, .. "\"},\"finish_reason\":null}]}\n\n"u8];

    private static readonly byte[] s_loneSurrogateChunk =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half \\ud800 pair\"},\"finish_reason\":null}]}\n\n"u8.ToArray();

    public static TheoryData<string, bool> BadTextCases => new()
    {
        { "utf8", true }, { "utf8", false }, { "surrogate", true }, { "surrogate", false },
    };

    [Theory]
    [MemberData(nameof(BadTextCases))]
    public async Task Invalid_text_in_a_backend_chunk_is_an_error_that_says_so(string kind, bool stream)
    {
        var bad = kind == "utf8" ? s_invalidUtf8Chunk : s_loneSurrogateChunk;
        await using var backend = new RawBackend((s, _) => WriteAsync(s, RawBackend.SseHead, RawBackend.Chunk("Hello "), bad,
            RawBackend.Chunk("world", "stop"), "data: [DONE]\n\n"u8.ToArray()));
        await using var proxy = backend.StartProxy();
        var result = await RawClient.ExchangeAsync(proxy, RawClient.Post(proxy, "/v1/messages", Body(stream)), s_wait);
        var expected = kind == "utf8" ? "not valid UTF-8" : "lone surrogate";
        if (stream)
        {
            Assert.Equal(200, result.Status);
            Assert.Contains(expected, ErrorMessageOf(result));
            Assert.DoesNotContain("message_stop", result.Body);
        }
        else
        {
            Assert.Equal(500, result.Status);
            var body = JsonDocument.Parse(result.Body).RootElement;
            Assert.Equal("api_error", body.GetProperty("error").GetProperty("type").GetString());
            Assert.Contains(expected, body.GetProperty("error").GetProperty("message").GetString());
        }
    }

    // ---- item 1: the client's side ----

    [Fact]
    public async Task A_body_shorter_than_its_content_length_gets_400_not_an_empty_200()
    {
        await using var backend = new RawBackend((s, _) => WriteAsync(s, RawBackend.SseHead, RawBackend.Chunk("x", "stop")));
        await using var proxy = backend.StartProxy();
        var full = Body(false);
        var request = RawClient.Post(proxy, "/v1/messages", full[..20], contentLength: full.Length);
        var result = await RawClient.ExchangeAsync(proxy, request, s_wait, halfClose: true);
        Assert.Equal(400, result.Status);
        var error = JsonDocument.Parse(result.Body).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains($"ended after 20 of the {full.Length} bytes", error.GetProperty("message").GetString());
        Assert.True(backend.Requests.IsEmpty);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_half_closes_during_a_slow_request_gets_a_reset_not_a_success(bool stream)
    {
        await using var backend = new RawBackend(async (s, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(20), ct);
            await WriteAsync(s, RawBackend.SseHead, RawBackend.Chunk("late", "stop"), "data: [DONE]\n\n"u8.ToArray());
        });
        await using var proxy = backend.StartProxy();
        var result = await RawClient.ExchangeAsync(proxy, RawClient.Post(proxy, "/v1/messages", Body(stream)), s_wait, halfClose: true);
        Assert.Equal(RawEnding.Reset, result.Ending);
        Assert.False(result.CompleteChunked, "a chunked body that ends with the zero chunk reads as a complete stream");
        if (!stream) Assert.NotEqual(200, result.Status);
        await EventuallyAsync(() => proxy.GetRecords().Count == 1, "the record");
        Assert.Contains("client closed", proxy.GetRecords()[0].Error);
    }

    [Fact]
    public async Task A_body_that_stops_arriving_is_cut_off_after_the_body_timeout()
    {
        await using var backend = new RawBackend((s, _) => WriteAsync(s, RawBackend.SseHead, RawBackend.Chunk("x", "stop")));
        await using var proxy = backend.StartProxy(tweak: o => o with { RequestBodyTimeout = TimeSpan.FromSeconds(1) });
        var full = Body(false);
        using var socket = await RawClient.ConnectAsync(proxy);
        await socket.SendAsync(Encoding.UTF8.GetBytes(RawClient.Post(proxy, "/v1/messages", full[..20], contentLength: full.Length)));
        var result = await RawClient.ReadAllAsync(socket, s_wait); // no FIN: the client just stops sending
        Assert.NotEqual(RawEnding.StillOpen, result.Ending);
        Assert.NotEqual(200, result.Status);
        await EventuallyAsync(() => proxy.GetRecords().Count == 1, "the record");
        Assert.Contains("No request body byte arrived for 1 s", proxy.GetRecords()[0].Error);
        Assert.True(backend.Requests.IsEmpty);
    }

    // ---- item 5: accurate messages, recoverable lines ----

    [Fact]
    public async Task A_backend_that_accepts_and_closes_is_not_called_unreachable()
    {
        await using var backend = new RawBackend((_, _) => Task.CompletedTask);
        await using var proxy = backend.StartProxy();
        var result = await RawClient.ExchangeAsync(proxy, RawClient.Post(proxy, "/v1/messages", Body(false)), s_wait);
        Assert.Equal(502, result.Status); // not retried: x-should-retry false (ApiException.Permanent)
        var message = JsonDocument.Parse(result.Body).RootElement.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("accepted the request but closed the connection", message);
        Assert.DoesNotContain("not reachable", message);
    }

    [Fact]
    public async Task A_data_line_that_is_not_json_is_skipped_and_the_rest_of_the_stream_arrives()
    {
        await using var backend = new RawBackend((s, _) => WriteAsync(s, RawBackend.SseHead, RawBackend.Chunk("Hello "),
            "data: this is not json\n\n"u8.ToArray(), RawBackend.Chunk("world"), RawBackend.Chunk("", "stop"), "data: [DONE]\n\n"u8.ToArray()));
        await using var proxy = backend.StartProxy();
        var result = await RawClient.ExchangeAsync(proxy, RawClient.Post(proxy, "/v1/messages", Body(true)), s_wait);
        var events = Events(result.Body);
        Assert.Equal("Hello world", TextOf(events));
        Assert.DoesNotContain(events, e => e.Event == "error");
        Assert.Equal("message_stop", events[^1].Event);
    }

    [Fact]
    public async Task A_stream_cut_after_a_bad_line_names_both()
    {
        await using var backend = new RawBackend((s, _) => WriteAsync(s, RawBackend.SseHead, RawBackend.Chunk("Hello "),
            "data: <html>oops</html>\n\n"u8.ToArray()));
        await using var proxy = backend.StartProxy();
        var result = await RawClient.ExchangeAsync(proxy, RawClient.Post(proxy, "/v1/messages", Body(true)), s_wait);
        var message = ErrorMessageOf(result);
        Assert.Contains("no finish_reason", message);
        Assert.Contains("1 data line(s) that were not JSON (first: <html>oops</html>)", message);
    }

    [Fact]
    public async Task A_json_body_where_a_stream_was_requested_is_named_as_such()
    {
        const string json = "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}";
        await using var backend = new RawBackend((s, _) => WriteAsync(s,
            Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {json.Length}\r\nConnection: close\r\n\r\n{json}")));
        await using var proxy = backend.StartProxy();
        var result = await RawClient.ExchangeAsync(proxy, RawClient.Post(proxy, "/v1/messages", Body(true)), s_wait);
        var message = ErrorMessageOf(result);
        Assert.Contains("answered with a JSON body", message);
        Assert.DoesNotContain("closed the stream early", message);
    }

    // ---- item 4: a line that never ends ----

    [Fact]
    public async Task A_line_that_never_ends_is_cut_at_the_cap_with_a_clear_error_and_pings_meanwhile()
    {
        await using var backend = new RawBackend(async (s, ct) =>
        {
            await WriteAsync(s, RawBackend.SseHead, RawBackend.Chunk("Hello "), "data: {\"choices\":[{\"delta\":{\"content\":\""u8.ToArray());
            var filler = Encoding.ASCII.GetBytes(new string('a', 256 * 1024));
            for (var sent = 0; sent < 12 * 1024 * 1024 && !ct.IsCancellationRequested; sent += filler.Length)
            {
                await s.WriteAsync(filler, ct);
                await Task.Delay(40, ct);
            }
        });
        await using var proxy = backend.StartProxy(tweak: o => o with { PingInterval = TimeSpan.FromMilliseconds(200) });
        var result = await RawClient.ExchangeAsync(proxy, RawClient.Post(proxy, "/v1/messages", Body(true)), TimeSpan.FromSeconds(60));
        Assert.Contains("longer than 8 MB without a line break", ErrorMessageOf(result));
        var events = Events(result.Body);
        var firstText = events.FindIndex(e => e.Event == "content_block_delta");
        Assert.True(events.Skip(firstText).Count(e => e.Event == "ping") >= 2, "pings kept the client informed while the line grew");
    }
}
