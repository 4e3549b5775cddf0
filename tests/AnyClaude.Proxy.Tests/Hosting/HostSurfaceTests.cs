using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Hosting;

public sealed class HostSurfaceTests
{
    [Fact]
    public async Task Port_zero_picks_a_free_loopback_port_and_base_url_matches()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        Assert.True(proxy.Port > 0);
        Assert.Equal(new Uri($"http://127.0.0.1:{proxy.Port}"), proxy.BaseUrl);
        Assert.True(proxy.IsRunning);
        Assert.Equal(43, proxy.Token.Length); // 32 random bytes, base64url
    }

    [Fact]
    public async Task A_taken_port_fails_with_ProxyStartException_naming_the_port()
    {
        await using var first = ProxyServer.Start(new ProxyOptions());
        var e = Assert.Throws<ProxyStartException>(() => ProxyServer.Start(new ProxyOptions { Port = first.Port }));
        Assert.Contains(first.Port.ToString(), e.Message);
    }

    [Fact]
    public async Task Stop_frees_the_port_at_once_and_is_idempotent()
    {
        var proxy = ProxyServer.Start(new ProxyOptions());
        var port = proxy.Port;
        await proxy.StopAsync();
        await proxy.StopAsync();
        Assert.False(proxy.IsRunning);
        await using var again = ProxyServer.Start(new ProxyOptions { Port = port });
        Assert.Equal(port, again.Port);
        using var client = Client(again);
        using var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Stop_cancels_requests_in_flight()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(new AnyClaude.FakeBackend.Scripting.ScriptedReply { Text = "never", DelayBeforeResponse = TimeSpan.FromMinutes(5) });
        var proxy = StartProxy(fake);
        using var client = Client(proxy);
        var pending = PostMessagesAsync(client, Body(false));
        await EventuallyAsync(() => fake.ChatRequests.Count == 1, "the request to reach the backend");
        await proxy.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        using var response = await pending.WaitAsync(TimeSpan.FromSeconds(30));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        AssertError((int)response.StatusCode, body, 500, "api_error");
        await EventuallyAsync(() => proxy.GetRecords().Count == 1, "the cancelled request's record");
        Assert.Contains("stopped", proxy.GetRecords()[0].Error);
    }

    [Fact]
    public async Task Head_root_answers_without_a_token_and_get_root_with_one()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        using var anonymous = new HttpClient { BaseAddress = proxy.BaseUrl };
        using var head = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        using var getAnonymous = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.Unauthorized, getAnonymous.StatusCode);
        using var client = Client(proxy);
        using var get = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    [Fact]
    public async Task Unknown_paths_get_404_in_the_anthropic_error_shape()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        using var client = Client(proxy);
        using var response = await client.GetAsync("/v1/complete?x=1");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        AssertError((int)response.StatusCode, body, 404, "not_found_error");
    }

    [Fact]
    public async Task Models_lists_modes_and_configured_models_in_the_anthropic_shape()
    {
        var options = new ProxyOptions
        {
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { Model = "qwen/qwen3-8b" },
                // Claude mode is offered only with a key (issue 18).
                [BackendMode.Claude] = BackendSettings.Default(BackendMode.Claude) with { ApiKey = "sk-ant-test" },
            },
        };
        await using var proxy = ProxyServer.Start(options);
        using var client = Client(proxy);
        var root = JsonDocument.Parse(await client.GetStringAsync("/v1/models?limit=1000")).RootElement;
        var ids = root.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains("lmstudio", ids);
        Assert.Contains("mlx-lm", ids);
        Assert.Contains("claude", ids);
        Assert.Contains("lmstudio/qwen/qwen3-8b", ids);
        foreach (var m in root.GetProperty("data").EnumerateArray())
        {
            Assert.Equal("model", m.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(m.GetProperty("display_name").GetString()));
            Assert.True(DateTimeOffset.TryParse(m.GetProperty("created_at").GetString(), out _));
        }
        Assert.False(root.GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task Models_include_what_a_running_local_backend_lists()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, OtherModels = ["google/gemma-3-12b"] });
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        var root = JsonDocument.Parse(await client.GetStringAsync("/v1/models")).RootElement;
        var ids = root.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains($"lmstudio/{fake.Options.Model}", ids);
        Assert.Contains("lmstudio/google/gemma-3-12b", ids);
    }

    [Fact]
    public async Task Malformed_json_is_a_400_invalid_request_error()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", "{not json");
        AssertError(status, body, 400, "invalid_request_error");
    }

    [Fact]
    public async Task Bodies_over_the_limit_get_413_request_too_large()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions { MaxRequestBytes = 1024 });
        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false, new string('x', 5000)));
        AssertError(status, body, 413, "request_too_large");
    }

    [Fact]
    public async Task Oversized_chunked_bodies_are_refused_too()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions { MaxRequestBytes = 1024 });
        using var client = Client(proxy);
        var content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Body(false, new string('x', 5000)))));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement;
        Assert.True((int)response.StatusCode == 413, text);
        AssertError((int)response.StatusCode, body, 413, "request_too_large");
    }

    [SkippableFact]
    public async Task Listener_is_bound_to_loopback_only()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var external = Dns.GetHostAddresses(Dns.GetHostName())
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Skip.If(external is null, "no non-loopback interface on this machine: nothing to probe");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAnyAsync<SocketException>(() => socket.ConnectAsync(external!, proxy.Port));
    }

    [Fact]
    public async Task Unreachable_backend_names_the_mode_url_and_the_fix()
    {
        // A port that was free a moment ago: nothing listens there.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var deadPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var options = new ProxyOptions
        {
            Mode = BackendMode.MlxLm,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { BaseUrl = new Uri($"http://127.0.0.1:{deadPort}/v1") },
            },
        };
        await using var proxy = ProxyServer.Start(options);
        using var client = Client(proxy);
        foreach (var stream in new[] { false, true })
        {
            // Streaming too: nothing was sent yet, so an HTTP status; x-should-retry: false, or Claude Code retries for ~3 minutes.
            using var response = await PostMessagesAsync(client, Body(stream));
            Assert.Equal("false", response.Headers.GetValues("x-should-retry").Single());
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            AssertError((int)response.StatusCode, doc.RootElement, 502, "api_error");
        }
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false));
        AssertError(status, body, 502, "api_error");
        var message = body.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("mlx_lm.server", message);
        Assert.Contains($"127.0.0.1:{deadPort}", message);
        Assert.Contains($"mlx_lm.server --port {deadPort}", message);
    }
}
