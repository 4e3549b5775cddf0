using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Backends;

/// <summary>Claude mode (the user's key, headers verbatim, never the proxy token) and native Anthropic backends.</summary>
public sealed class PassThroughTests
{
    private static ProxyServer StartClaude(AnthropicStub stub, string? apiKey = "sk-ant-user-key-0001", string? model = null) =>
        ProxyServer.Start(new ProxyOptions
        {
            Mode = BackendMode.Claude,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.Claude] = BackendSettings.Default(BackendMode.Claude) with { BaseUrl = stub.BaseUrl, ApiKey = apiKey, Model = model },
            },
        });

    [Fact]
    public async Task Claude_mode_forwards_the_body_with_the_users_key_and_relays_the_answer()
    {
        await using var stub = new AnthropicStub(200, "application/json", AnthropicStub.Message);
        await using var proxy = StartClaude(stub);
        using var client = Client(proxy, bearer: true);
        var body = Body(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages?beta=true") { Content = Json(body) };
        request.Headers.Add("anthropic-beta", "interleaved-thinking-2025-05-14,context-management-2025-06-27");
        using var response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(AnthropicStub.Message, await response.Content.ReadAsStringAsync());

        var (target, headers, sent) = Assert.Single(stub.Received);
        Assert.Equal("/v1/messages", target);
        Assert.Equal(body, sent);
        Assert.Equal("sk-ant-user-key-0001", headers["x-api-key"]);
        Assert.Equal("2023-06-01", headers["anthropic-version"]);
        Assert.Equal("interleaved-thinking-2025-05-14,context-management-2025-06-27", headers["anthropic-beta"]);
        Assert.DoesNotContain(proxy.Token, string.Join("\n", headers.Values));
        Assert.False(headers.ContainsKey("Authorization"));

        var record = proxy.GetRecords().Single();
        Assert.Equal(BackendMode.Claude, record.Mode);
        Assert.Equal(12, record.InputTokens);
        Assert.Equal(5, record.OutputTokens);
        Assert.Equal(3, record.CachedTokens);
        Assert.Equal("end_turn", record.StopReason);
    }

    [Fact]
    public async Task Claude_streams_are_relayed_byte_for_byte_and_usage_is_recorded()
    {
        await using var stub = new AnthropicStub(200, "text/event-stream", AnthropicStub.Stream);
        await using var proxy = StartClaude(stub);
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(true));
        Assert.Equal(AnthropicStub.Stream, await response.Content.ReadAsStringAsync());
        var record = proxy.GetRecords().Single();
        Assert.Equal(20, record.InputTokens);
        Assert.Equal(9, record.OutputTokens);
        Assert.Equal(7, record.CachedTokens);
        Assert.Equal("end_turn", record.StopReason);
        Assert.NotNull(record.TimeToFirstToken);
    }

    [Fact]
    public async Task Anthropic_errors_pass_through_with_their_status_and_type()
    {
        await using var stub = new AnthropicStub(529, "application/json", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""");
        await using var proxy = StartClaude(stub);
        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false));
        AssertError(status, body, 529, "overloaded_error");
        Assert.Equal("Overloaded", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Claude_mode_without_a_key_is_a_clear_error_and_nothing_is_sent()
    {
        // The engine never falls back to this process's ANTHROPIC_API_KEY (the cmdlets resolve it into the settings),
        // so this holds whether or not the machine has one.
        await using var stub = new AnthropicStub(200, "application/json", AnthropicStub.Message);
        await using var proxy = StartClaude(stub, apiKey: null);
        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false));
        // Not 401: Claude Code would take it for its own login failing ("Please run /login") and retry.
        AssertError(status, body, 502, "api_error");
        Assert.Contains("ANTHROPIC_API_KEY", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Empty(stub.Received);
    }

    [Fact]
    public async Task A_model_naming_the_claude_mode_is_replaced_before_forwarding()
    {
        await using var stub = new AnthropicStub(200, "application/json", AnthropicStub.Message);
        await using var proxy = StartClaude(stub);
        using var client = Client(proxy);
        using (var r = await PostMessagesAsync(client, Body(false, model: "claude/claude-opus-4-1"))) Assert.Equal(200, (int)r.StatusCode);
        var sent = JsonDocument.Parse(stub.Received.Single().Body).RootElement;
        Assert.Equal("claude-opus-4-1", sent.GetProperty("model").GetString());
        Assert.Equal("Hello", sent.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task A_request_naming_the_claude_mode_goes_to_claude_while_another_mode_is_active()
    {
        await using var stub = new AnthropicStub(200, "application/json", AnthropicStub.Message);
        await using var proxy = ProxyServer.Start(new ProxyOptions
        {
            Mode = BackendMode.LmStudio,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.Claude] = BackendSettings.Default(BackendMode.Claude) with { BaseUrl = stub.BaseUrl, ApiKey = "sk-ant-x-0001", Model = "claude-sonnet-4-5" },
            },
        });
        using var client = Client(proxy);
        using (var r = await PostMessagesAsync(client, Body(false, model: "claude"))) Assert.Equal(200, (int)r.StatusCode);
        Assert.Equal("claude-sonnet-4-5", JsonDocument.Parse(stub.Received.Single().Body).RootElement.GetProperty("model").GetString());
        Assert.Equal(BackendMode.Claude, proxy.GetRecords().Single().Mode);
        Assert.Equal(BackendMode.LmStudio, proxy.Mode);
    }

    private static ProxyServer StartNative(AnthropicStub stub, TimeSpan? pingInterval = null) => ProxyServer.Start(new ProxyOptions
    {
        Mode = BackendMode.AnthropicCompatible,
        PingInterval = pingInterval ?? TimeSpan.FromMilliseconds(100),
        Backends = new Dictionary<BackendMode, BackendSettings>
        {
            [BackendMode.AnthropicCompatible] = BackendSettings.Default(BackendMode.AnthropicCompatible) with { BaseUrl = stub.BaseUrl, Model = "qwen3:8b" },
        },
    });

    [Fact]
    public async Task A_slow_native_backend_stream_is_kept_alive_with_comments_then_relayed_intact()
    {
        await using var stub = new AnthropicStub(200, "text/event-stream", AnthropicStub.Stream, delay: TimeSpan.FromMilliseconds(1200));
        await using var proxy = StartNative(stub);
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(true));
        Assert.Equal(200, (int)response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith(": keepalive\n\n", text);
        Assert.EndsWith(AnthropicStub.Stream, text);
        Assert.Equal(AnthropicStub.Stream, text.Replace(": keepalive\n\n", ""));
        Assert.Equal("Streamed hi", TextOf(Events(text)));
        Assert.Equal(9, proxy.GetRecords().Single().OutputTokens);
    }

    [Fact]
    public async Task A_claude_stream_that_ends_early_is_an_error_event_naming_the_backend_and_its_url()
    {
        // The stream stops after the text, before message_delta/message_stop: the answer is incomplete.
        var cut = AnthropicStub.Stream[..AnthropicStub.Stream.IndexOf("event: message_delta", StringComparison.Ordinal)];
        await using var stub = new AnthropicStub(200, "text/event-stream", cut);
        await using var proxy = StartClaude(stub);
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(true));
        Assert.Equal(200, (int)response.StatusCode);
        var events = Events(await response.Content.ReadAsStringAsync());
        var (name, data) = events[^1];
        Assert.Equal("error", name);
        var message = data.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains("closed the stream early", message, StringComparison.Ordinal);
        Assert.Contains($"the Anthropic API at {stub.BaseUrl}", message, StringComparison.Ordinal);
        Assert.Equal(message, proxy.GetRecords().Single().Error);
    }

    [Fact]
    public async Task A_native_backend_error_before_anything_was_relayed_is_an_http_error()
    {
        // The keepalive stream is committed only by its first byte: a backend that refuses at once gets an HTTP status.
        await using var stub = new AnthropicStub(400, "application/json", """{"error":"model 'qwen3:8b' not found"}""");
        await using var proxy = StartNative(stub, pingInterval: TimeSpan.FromSeconds(30));
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(true));
        Assert.Equal(400, (int)response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("not found", doc.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains("not found", proxy.GetRecords().Single().Error);
    }

    [Theory]
    [InlineData(401, "authentication_error")]
    [InlineData(403, "permission_error")]
    public async Task Anthropic_refusing_the_users_key_is_not_claude_codes_own_authentication_error(int status, string type)
    {
        // Issue 9: Claude Code treats a 401 as its login failing ("Please run /login") and retries it.
        await using var stub = new AnthropicStub(status, "application/json",
            "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"invalid x-api-key\"}}");
        await using var proxy = StartClaude(stub);
        using var client = Client(proxy);
        foreach (var stream in new[] { false, true })
        {
            using var response = await PostMessagesAsync(client, Body(stream));
            Assert.Equal(502, (int)response.StatusCode);
            Assert.Equal("false", response.Headers.GetValues("x-should-retry").Single());
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("api_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
            var message = doc.RootElement.GetProperty("error").GetProperty("message").GetString()!;
            Assert.Contains("the Anthropic API (" + stub.BaseUrl, message);
            Assert.Contains($"HTTP {status}: invalid x-api-key", message);
            Assert.Contains("ANTHROPIC_API_KEY", message);
            Assert.DoesNotContain("sk-ant-user-key-0001", message); // names the setting, never the key
        }
    }

    [Fact]
    public async Task An_anthropic_compatible_backend_refusing_its_key_names_the_setting()
    {
        await using var stub = new AnthropicStub(401, "application/json", """{"error":"unauthorized"}""");
        await using var proxy = StartNative(stub);
        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false));
        AssertError(status, body, 502, "api_error");
        var message = body.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("the Anthropic-compatible backend (" + stub.BaseUrl, message);
        Assert.Contains("backends.anthropic-compatible.apiKey", message);
    }

    [Fact]
    public async Task Anthropic_compatible_backends_get_a_normalised_body_with_the_configured_model()
    {
        await using var stub = new AnthropicStub(200, "application/json", AnthropicStub.Message);
        await using var proxy = ProxyServer.Start(new ProxyOptions
        {
            Mode = BackendMode.AnthropicCompatible,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.AnthropicCompatible] = BackendSettings.Default(BackendMode.AnthropicCompatible) with { BaseUrl = stub.BaseUrl, Model = "qwen3:8b" },
            },
        });
        using var client = Client(proxy);
        var system = "\"system\":[{\"type\":\"text\",\"text\":\"x-anthropic-billing-header: cc_version=2.1.197.1c0; cc_entrypoint=sdk-cli;\"},{\"type\":\"text\",\"text\":\"You are Claude Code.\"}]";
        using (var r = await PostMessagesAsync(client, Body(false, extra: system))) Assert.Equal(200, (int)r.StatusCode);
        var (target, headers, sent) = stub.Received.Single();
        Assert.Equal("/v1/messages", target);
        Assert.Equal("qwen3:8b", JsonDocument.Parse(sent).RootElement.GetProperty("model").GetString());
        Assert.DoesNotContain("x-anthropic-billing-header", sent);
        Assert.Contains("You are Claude Code.", sent);
        Assert.False(headers.ContainsKey("x-api-key"));
    }
}
