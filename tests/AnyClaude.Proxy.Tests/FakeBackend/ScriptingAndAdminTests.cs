using System.Text;
using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using Xunit;
using static AnyClaude.Proxy.Tests.FakeBackend.FakeHttp;

namespace AnyClaude.Proxy.Tests.FakeBackend;

/// <summary>Scripted replies, failure injection, recording and the /_fake/ admin endpoints.</summary>
public sealed class ScriptingAndAdminTests
{
    [Theory]
    [InlineData(FakeFlavor.LmStudio)]
    [InlineData(FakeFlavor.MlxLm)]
    public async Task Scripted_text_is_streamed_in_order_and_recorded(FakeFlavor flavor)
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = flavor });
        fake.Enqueue(ScriptedReply.WithText("The quick brown fox."), ScriptedReply.WithText("second"));

        var sse = await (await PostAsync(fake.BaseUrl + "/chat/completions", ChatBody("hi", stream: true))).Content.ReadAsStringAsync();
        var text = string.Concat(Chunks(sse).Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("content", out _)).Select(d => d.GetProperty("content").GetString()));
        Assert.Equal("The quick brown fox.", text);
        Assert.True(Chunks(sse).Count > 4, "one token per chunk");

        var second = await PostForJsonAsync(fake.BaseUrl + "/chat/completions", ChatBody("again"));
        Assert.Equal("second", second.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

        var recorded = fake.ChatRequests;
        Assert.Equal(2, recorded.Count);
        Assert.True(recorded[0].Scripted);
        Assert.Equal("application/json; charset=utf-8", recorded[0].Headers["content-type"]);
        using var body = recorded[1].BodyJson();
        Assert.Equal("again", body.RootElement.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Scripted_errors_use_the_flavor_shape_or_a_raw_body()
    {
        await using var lm = FakeOpenAiServer.Start();
        lm.Enqueue(ScriptedReply.WithError(503, "busy"), ScriptedReply.WithRawError(429, "{\"error\":\"slow down\"}"));
        var (s1, b1) = await PostForTextAsync(lm.BaseUrl + "/chat/completions", ChatBody("x"));
        Assert.Equal(503, s1);
        Assert.Equal("busy", JsonDocument.Parse(b1).RootElement.GetProperty("error").GetProperty("message").GetString());
        var (s2, b2) = await PostForTextAsync(lm.BaseUrl + "/chat/completions", ChatBody("x"));
        Assert.Equal(429, s2);
        Assert.Equal("{\"error\":\"slow down\"}", b2);

        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        mlx.Enqueue(ScriptedReply.WithError(404, "boom"));
        var (s3, b3) = await PostForTextAsync(mlx.BaseUrl + "/chat/completions", ChatBody("x"));
        Assert.Equal(404, s3);
        Assert.Equal("{\"error\": \"boom\"}", b3);
    }

    [Theory]
    [InlineData(FakeFlavor.LmStudio)]
    [InlineData(FakeFlavor.MlxLm)]
    public async Task A_cut_stream_ends_without_finish_or_done(FakeFlavor flavor)
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = flavor });
        fake.Enqueue(new ScriptedReply { Text = "abcdefghijklmnopqrstuvwxyz", CutAfterChunks = 2 });

        using var response = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, fake.BaseUrl + "/chat/completions")
        {
            Content = new StringContent(ChatBody("x", stream: true), Encoding.UTF8, "application/json"),
        }, HttpCompletionOption.ResponseHeadersRead);
        var received = new StringBuilder();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var failed = false;
        try
        {
            string? line;
            while ((line = await reader.ReadLineAsync()) is not null)
            {
                received.Append(line).Append('\n');
            }
        }
        catch (IOException)
        {
            failed = true; // chunked stream ended without its terminating chunk
        }
        catch (HttpRequestException)
        {
            failed = true;
        }

        Assert.Equal(2, DataLines(received.ToString()).Count);
        Assert.DoesNotContain("[DONE]", received.ToString());
        Assert.DoesNotContain("finish_reason\": \"stop", received.ToString());
        Assert.True(flavor == FakeFlavor.MlxLm || failed, "a cut chunked stream is an error for the client");
    }

    [Fact]
    public async Task Drop_closes_without_a_reply_and_stall_pauses_then_completes()
    {
        await using var fake = FakeOpenAiServer.Start();
        fake.Enqueue(ScriptedReply.Drop());
        await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(fake.BaseUrl + "/chat/completions", ChatBody("x")));
        Assert.Null(fake.ChatRequests[0].Status);

        fake.Enqueue(new ScriptedReply { Text = "after the pause", StallAfterChunks = 1, StallFor = TimeSpan.FromMilliseconds(50) });
        var sse = await (await PostAsync(fake.BaseUrl + "/chat/completions", ChatBody("x", stream: true))).Content.ReadAsStringAsync();
        Assert.Contains("[DONE]", sse);
    }

    [Fact]
    public async Task Whole_or_fragmented_tool_calls_can_be_forced_and_mlx_sends_whole_calls_when_enabled()
    {
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, MlxToolCalling = true });
        mlx.Enqueue(ScriptedReply.WithToolCalls(new ScriptedToolCall("Read", "{\"file_path\":\"/tmp/a\"}")));
        var sse = await (await PostAsync(mlx.BaseUrl + "/chat/completions", ChatBody("x", stream: true, tools: BashTool))).Content.ReadAsStringAsync();
        var calls = Chunks(sse).SelectMany(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("tool_calls").EnumerateArray()).ToList();
        var call = Assert.Single(calls);
        Assert.Equal("Read", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("{\"file_path\": \"/tmp/a\"}", call.GetProperty("function").GetProperty("arguments").GetString()); // json.dumps spacing
        Assert.True(Guid.TryParse(call.GetProperty("id").GetString(), out _));
        Assert.Equal("tool_calls", Chunks(sse)[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        await using var lm = FakeOpenAiServer.Start();
        lm.Enqueue(new ScriptedReply { ToolCalls = [new ScriptedToolCall("Read", "{\"a\":1}", "call_1")], FragmentToolArguments = false });
        var lmSse = await (await PostAsync(lm.BaseUrl + "/chat/completions", ChatBody("x", stream: true, tools: BashTool))).Content.ReadAsStringAsync();
        var lmCall = Assert.Single(Chunks(lmSse), c => c.GetProperty("choices").GetArrayLength() > 0
            && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("tool_calls", out _));
        Assert.Contains("\"id\":\"call_1\"", lmCall.GetRawText());
        Assert.Contains("\"arguments\":\"{\\\"a\\\":1}\"", lmCall.GetRawText());
    }

    [Fact]
    public async Task Admin_endpoints_script_record_and_reset()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        var queued = await PostForJsonAsync(fake.RootUrl + "/_fake/script",
            "[{\"text\":\"scripted one\"},{\"status\":500,\"message\":\"kaput\"},{\"toolCalls\":[{\"name\":\"Bash\",\"arguments\":{\"command\":\"ls\"}}]}]");
        Assert.Equal(3, queued.GetProperty("queued").GetInt32());

        var first = await PostForJsonAsync(fake.BaseUrl + "/chat/completions", ChatBody("x"));
        Assert.Equal("scripted one", first.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        var (status, body) = await PostForTextAsync(fake.BaseUrl + "/chat/completions", ChatBody("x"));
        Assert.Equal(500, status);
        Assert.Equal("{\"error\": \"kaput\"}", body);
        var third = await PostForJsonAsync(fake.BaseUrl + "/chat/completions", ChatBody("x"));
        Assert.Contains("<tool_call>", third.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()); // mlx without a tool parser

        var requests = JsonDocument.Parse(await Client.GetStringAsync(fake.RootUrl + "/_fake/requests")).RootElement;
        Assert.Equal(3, requests.GetArrayLength());
        Assert.Equal("/v1/chat/completions", requests[0].GetProperty("path").GetString());
        Assert.Equal(200, requests[0].GetProperty("status").GetInt32());
        Assert.True(requests[0].GetProperty("promptTokens").GetInt32() > 0);
        Assert.Contains("\"x\"", requests[0].GetProperty("body").GetString());

        await PostForJsonAsync(fake.RootUrl + "/_fake/reset", "{}");
        Assert.Empty(fake.Requests);
        Assert.Equal(0, fake.CacheEntryCount);
    }

    [Fact]
    public async Task A_stopped_server_refuses_connections()
    {
        var fake = FakeOpenAiServer.Start();
        var url = fake.BaseUrl + "/models";
        Assert.Equal(200, (int)(await Client.GetAsync(url)).StatusCode);
        await fake.DisposeAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => Client.GetAsync(url));
    }

    [Fact]
    public async Task Concurrent_chat_requests_are_counted()
    {
        await using var fake = FakeOpenAiServer.Start();
        fake.Enqueue(new ScriptedReply { Text = "a", DelayBeforeResponse = TimeSpan.FromSeconds(1) },
                     new ScriptedReply { Text = "b", DelayBeforeResponse = TimeSpan.FromSeconds(1) });
        await Task.WhenAll(PostAsync(fake.BaseUrl + "/chat/completions", ChatBody("1")), PostAsync(fake.BaseUrl + "/chat/completions", ChatBody("2")));
        Assert.Equal(2, fake.MaxConcurrentChatRequests);
    }

    [Theory]
    [InlineData(FakeFlavor.LmStudio)]
    [InlineData(FakeFlavor.MlxLm)]
    public async Task A_client_hanging_up_mid_request_is_recorded_and_stops_the_work(FakeFlavor flavor)
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = flavor });
        fake.Enqueue(new ScriptedReply { Text = "too late", DelayBeforeResponse = TimeSpan.FromSeconds(20) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Client.PostAsync(fake.BaseUrl + "/chat/completions", new StringContent(ChatBody("x"), Encoding.UTF8, "application/json"), cts.Token));

        var record = fake.ChatRequests[0];
        for (var i = 0; i < 200 && !record.Completed; i++)
        {
            await Task.Delay(50);
        }
        Assert.True(record.Completed, "the fake gave up the request instead of waiting out the 20 s delay");
        Assert.True(record.ClientDisconnected);
        Assert.Null(record.Status);
    }

    [Fact]
    public async Task Head_requests_get_headers_only_and_the_connection_stays_usable()
    {
        await using var fake = FakeOpenAiServer.Start();
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, fake.RootUrl + "/"));
        Assert.Equal(200, (int)head.StatusCode);
        var models = await Client.GetStringAsync(fake.BaseUrl + "/models");
        Assert.Contains("qwen/qwen3-8b", models);
        Assert.All(fake.Requests, r => Assert.False(r.ClientDisconnected));
    }

    [Theory]
    [InlineData(FakeFlavor.LmStudio, true)]
    [InlineData(FakeFlavor.MlxLm, false)]
    public async Task Chunked_request_bodies_work_for_lm_studio_but_kill_mlx_which_needs_content_length(FakeFlavor flavor, bool answered)
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = flavor });
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", fake.Port);
        var stream = client.GetStream();
        var json = ChatBody("chunked hello");
        var request = $"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + $"{Encoding.UTF8.GetByteCount(json):x}\r\n{json}\r\n0\r\n\r\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        using var reader = new StreamReader(stream);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));

        if (answered)
        {
            Assert.StartsWith("HTTP/1.1 200 OK", response);
            Assert.Contains("chunked hello", response);
        }
        else
        {
            Assert.Equal("", response); // mlx: int(self.headers["Content-Length"]) fails, the connection dies
        }
    }

    [Fact]
    public async Task Mlx_answers_options_with_204_and_other_methods_with_501()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        var (options, _) = await RawExchangeAsync(fake.Port, "OPTIONS", "/v1/chat/completions", null);
        Assert.StartsWith("HTTP/1.0 204", options);
        var (delete, _) = await RawExchangeAsync(fake.Port, "DELETE", "/v1/models", null);
        Assert.StartsWith("HTTP/1.0 501", delete);
        Assert.Contains("Unsupported method ('DELETE')", delete);
    }
}
