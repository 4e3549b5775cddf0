using System.Text.Json;
using System.Text.RegularExpressions;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Backends;

/// <summary>/v1/messages through the proxy to an OpenAI-style backend (the fake LM Studio / mlx_lm.server).</summary>
public sealed class ChatForwardingTests
{
    private const string WeatherTool =
        "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather for a city\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}]";

    [Fact]
    public async Task Streaming_text_follows_the_anthropic_grammar_and_leaves_a_record()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(ScriptedReply.WithText("Hello there, friend."));
        await using var proxy = StartProxy(fake, backend: b => b with { Model = fake.Options.Model });
        using var client = Client(proxy);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages?beta=true") { Content = Json(Body(true)) };
        request.Headers.Add("X-Claude-Code-Session-Id", "session-42");
        using var response = await client.SendAsync(request);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = Events(await response.Content.ReadAsStringAsync());

        Assert.Equal("message_start", events[0].Event);
        Assert.Equal("message_stop", events[^1].Event);
        Assert.Equal("Hello there, friend.", TextOf(events));
        Assert.All(events, e => Assert.Equal(e.Event, e.Data.GetProperty("type").GetString()));
        var delta = events.Single(e => e.Event == "message_delta").Data;
        Assert.Equal("end_turn", delta.GetProperty("delta").GetProperty("stop_reason").GetString());

        var record = proxy.GetRecords().Single();
        Assert.Equal("/v1/messages", record.Path);
        Assert.Equal(BackendMode.LmStudio, record.Mode);
        Assert.Equal(fake.BaseUrl, record.BackendUrl!.TrimEnd('/'));
        Assert.Equal("claude-sonnet-4-5", record.RequestedModel);
        Assert.Equal(fake.Options.Model, record.Model);
        Assert.True(record.Stream);
        Assert.Equal(200, record.Status);
        Assert.NotNull(record.TimeToFirstToken);
        Assert.True(record.OutputTokens > 0);
        Assert.True(record.InputTokens > 0);
        Assert.Equal("end_turn", record.StopReason);
        Assert.Equal("session-42", record.SessionId);
        Assert.Null(record.Error);
    }

    [Fact]
    public async Task Non_streaming_returns_one_message_json()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(ScriptedReply.WithText("Plain answer."));
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false));
        Assert.Equal(200, status);
        Assert.Equal("message", body.GetProperty("type").GetString());
        Assert.Equal("assistant", body.GetProperty("role").GetString());
        Assert.Equal("Plain answer.", body.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("end_turn", body.GetProperty("stop_reason").GetString());
        Assert.False(proxy.GetRecords().Single().Stream);
    }

    [Fact]
    public async Task Backend_always_streams_and_gets_the_configured_model_not_the_claude_name()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, OtherModels = ["other/model"] });
        await using var proxy = StartProxy(fake, backend: b => b with { Model = fake.Options.Model });
        using var client = Client(proxy);
        using (var r = await PostMessagesAsync(client, Body(false))) Assert.Equal(200, (int)r.StatusCode);
        using (var r = await PostMessagesAsync(client, Body(false, model: "lmstudio/other/model"))) Assert.Equal(200, (int)r.StatusCode);

        var sent = fake.ChatRequests.Select(c => JsonDocument.Parse(c.RawBody).RootElement).ToList();
        Assert.Equal(fake.Options.Model, sent[0].GetProperty("model").GetString());
        Assert.True(sent[0].GetProperty("stream").GetBoolean());
        Assert.Equal("other/model", sent[1].GetProperty("model").GetString());
        Assert.Equal("other/model", proxy.GetRecords()[1].Model);
    }

    [Fact]
    public async Task Tool_calls_come_back_as_tool_use_blocks()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(ScriptedReply.WithToolCalls(new ScriptedToolCall("get_weather", """{"city":"Paris"}""")));
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(true, "Weather in Paris?", extra: WeatherTool));
        var events = Events(await response.Content.ReadAsStringAsync());
        var start = events.Single(e => e.Event == "content_block_start" && e.Data.GetProperty("content_block").GetProperty("type").GetString() == "tool_use");
        Assert.Equal("get_weather", start.Data.GetProperty("content_block").GetProperty("name").GetString());
        var json = string.Concat(events.Where(e => e.Event == "content_block_delta" && e.Data.GetProperty("delta").GetProperty("type").GetString() == "input_json_delta")
            .Select(e => e.Data.GetProperty("delta").GetProperty("partial_json").GetString()));
        Assert.Equal("Paris", JsonDocument.Parse(json).RootElement.GetProperty("city").GetString());
        Assert.Equal("tool_use", proxy.GetRecords().Single().StopReason);
        Assert.Contains("get_weather", fake.ChatRequests.Single().Body);
    }

    [Fact]
    public async Task Max_tokens_is_clamped_to_the_context_window_learned_from_lm_studio()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, ContextLength = 4096 });
        await using var proxy = StartProxy(fake, backend: b => b with { Model = fake.Options.Model });
        using var client = Client(proxy);
        using (var r = await PostMessagesAsync(client, Body(false, maxTokens: 32000))) Assert.Equal(200, (int)r.StatusCode);
        var sent = JsonDocument.Parse(fake.ChatRequests.Single().RawBody).RootElement;
        var maxTokens = sent.TryGetProperty("max_tokens", out var m) ? m.GetInt32() : sent.GetProperty("max_completion_tokens").GetInt32();
        Assert.InRange(maxTokens, 1, 4096 - 1);
        Assert.Contains(fake.Requests, r => r.Path == "/api/v0/models");
    }

    // Claude Code's check (bundled code of 2.1.197 and 2.1.332): a message containing "prompt is too long" makes it
    // compact the conversation; it reads "N tokens > M" for the gap. "A + B > C" only makes it lower max_tokens.
    private const string PromptTooLong = @"^prompt is too long: (\d+) tokens > (\d+) maximum";

    [Fact]
    public async Task A_prompt_that_cannot_fit_is_too_long_before_anything_is_forwarded()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var proxy = StartProxy(fake, backend: b => b with { ContextWindow = 50 });
        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(true, string.Join(' ', Enumerable.Repeat("lorem ipsum dolor", 100)), maxTokens: 32000));
        AssertError(status, body, 400, "invalid_request_error");
        var match = Regex.Match(body.GetProperty("error").GetProperty("message").GetString()!, PromptTooLong);
        Assert.True(match.Success, body.ToString());
        Assert.True(int.Parse(match.Groups[1].Value) >= 50);
        Assert.Equal("50", match.Groups[2].Value);
        Assert.Empty(fake.ChatRequests);
    }

    [Fact]
    public async Task A_backend_saying_the_prompt_alone_overflows_becomes_prompt_is_too_long()
    {
        // The proxy does not know the window (mlx reports none); the backend refuses the prompt.
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, ContextLength = 20 });
        await using var proxy = StartProxy(fake, BackendMode.MlxLm);
        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false, string.Join(' ', Enumerable.Repeat("lorem ipsum dolor", 50)), maxTokens: 1000));
        AssertError(status, body, 400, "invalid_request_error");
        var match = Regex.Match(body.GetProperty("error").GetProperty("message").GetString()!, PromptTooLong);
        Assert.True(match.Success, body.ToString());
        Assert.Equal("20", match.Groups[2].Value);
    }

    // The servers' own wording: LM Studio (protocol notes section 7: HTTP 400, current and older text), llama-server's
    // exceed_context_size_error (tools/server, PR #17570 era), mlx_lm.server's --prompt-overflow-policy error, vLLM's
    // check of prompt plus max_tokens.
    [Theory]
    [InlineData(400, """{"error":"The number of tokens to keep from the initial prompt is greater than the context length (n_keep: 5000>= n_ctx: 4096). Try to load the model with a larger context length, or provide a shorter input."}""", "5000", "4096")]
    [InlineData(400, """{"error":"Trying to keep the first 5000 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input"}""", "5000", "4096")]
    [InlineData(400, """{"error":{"code":400,"message":"request (5000 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}}""", "5000", "4096")]
    [InlineData(500, """{"error": "Prompt exceeds max prompt token limit: prompt_tokens=5000, max_prompt_tokens=4096"}""", "5000", "4096")]
    public void Backend_overflow_messages_for_the_prompt_alone_become_prompt_is_too_long(int status, string body, string prompt, string window)
    {
        var backend = BackendSettings.Default(BackendMode.LmStudio);
        var error = BackendErrors.FromStatus(backend, status, System.Text.Encoding.UTF8.GetBytes(body), inputTokens: 4500, maxTokens: 32000);
        Assert.Equal((400, "invalid_request_error"), (error.Status, error.ErrorType));
        var match = Regex.Match(error.Message, PromptTooLong);
        Assert.True(match.Success, error.Message);
        Assert.Equal((prompt, window), (match.Groups[1].Value, match.Groups[2].Value));
    }

    [Fact]
    public void Input_plus_max_tokens_over_the_window_keeps_the_form_that_lowers_max_tokens()
    {
        var backend = BackendSettings.Default(BackendMode.OpenAICompatible);
        var body = """{"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (1000 in the messages, 4000 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","code":400}""";
        var error = BackendErrors.FromStatus(backend, 400, System.Text.Encoding.UTF8.GetBytes(body), inputTokens: 1000, maxTokens: 4000);
        Assert.Equal(400, error.Status);
        Assert.Equal("input length and `max_tokens` exceed context limit: 1000 + 4000 > 4096, decrease input length or `max_tokens` and try again", error.Message);
    }

    // Claude Code reads x-should-retry before the status (its bundled code, 2.1.197 and 2.1.332): "false" for what a
    // retry cannot fix; 401/403 never reach it as such (it would ask the user to /login), nor 404 (it would blame
    // the Claude model it selected); a busy backend stays retryable.
    [Theory]
    [InlineData(400, 400, "invalid_request_error", "false")]
    [InlineData(401, 502, "api_error", "false")]
    [InlineData(403, 502, "api_error", "false")]
    [InlineData(404, 502, "api_error", "false")]
    [InlineData(429, 429, "rate_limit_error", null)]
    [InlineData(500, 502, "api_error", "false")]
    [InlineData(503, 503, "overloaded_error", null)]
    public async Task Backend_http_errors_map_to_anthropic_types_with_the_backend_message(int backendStatus, int status, string type, string? shouldRetry)
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(ScriptedReply.WithError(backendStatus, "the backend's own words"));
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(false));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        AssertError((int)response.StatusCode, doc.RootElement, status, type);
        var message = doc.RootElement.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("the backend's own words", message);
        Assert.Contains("LM Studio (" + fake.BaseUrl, message);
        Assert.Equal(shouldRetry, response.Headers.TryGetValues("x-should-retry", out var v) ? v.Single() : null);
        Assert.Equal(status, proxy.GetRecords().Single().Status);
        if (backendStatus is 401 or 403) Assert.Contains("LMSTUDIO_API_KEY", message);
        if (backendStatus is 404) Assert.Contains("lms load", message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_busy_backend_stays_retryable(bool stream)
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(ScriptedReply.WithError(503, "busy"));
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(stream));
        Assert.Equal(503, (int)response.StatusCode);
        Assert.False(response.Headers.Contains("x-should-retry"));
    }

    [Fact]
    public void A_busy_backends_retry_after_is_passed_on_and_only_for_busy_statuses()
    {
        var backend = BackendSettings.Default(BackendMode.LmStudio);
        var busy = BackendErrors.FromStatus(backend, 429, "{\"error\":\"slow down\"}"u8, 10, 10, retryAfter: "7");
        Assert.Equal((429, "7", (bool?)null), (busy.Status, busy.RetryAfter, busy.ShouldRetry));
        var refused = BackendErrors.FromStatus(backend, 401, "{\"error\":\"no\"}"u8, 10, 10, retryAfter: "7");
        Assert.Equal((502, null, (bool?)false), (refused.Status, refused.RetryAfter, refused.ShouldRetry));
    }

    [Fact]
    public async Task Mlx_string_error_bodies_are_unwrapped()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        fake.Enqueue(ScriptedReply.WithRawError(404, """{"error": "Failed to load model xyz"}"""));
        await using var proxy = StartProxy(fake, BackendMode.MlxLm);
        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false));
        // mlx_lm.server answers 404 for failures while loading or generating: not a missing Claude model.
        AssertError(status, body, 502, "api_error");
        Assert.Contains("Failed to load model xyz", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Errors_before_a_stream_begins_are_http_errors_even_for_streaming_requests()
    {
        // message_start waits until the backend accepts the request: an error before that is an HTTP status Claude
        // Code acts on (after a 200, an error event makes it retry without streaming, ten times).
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(ScriptedReply.WithError(429, "too many"));
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(true));
        Assert.Equal(429, (int)response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        AssertError(429, doc.RootElement, 429, "rate_limit_error");
        Assert.Contains("too many", proxy.GetRecords().Single().Error);
        Assert.Equal(429, proxy.GetRecords().Single().Status);
    }

    [Fact]
    public async Task A_stream_cut_without_finish_becomes_an_error_event_not_a_truncated_success()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(new ScriptedReply { Text = "This answer will be cut somewhere in the middle.", CutAfterChunks = 3 });
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(true));
        var events = Events(await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain(events, e => e.Event == "message_stop");
        var error = events[^1];
        Assert.Equal("error", error.Event);
        Assert.Equal("api_error", error.Data.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("closed the stream early", error.Data.GetProperty("error").GetProperty("message").GetString());
        Assert.NotNull(proxy.GetRecords().Single().Error);
    }

    [Fact]
    public async Task A_cut_non_streaming_request_is_an_api_error()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        fake.Enqueue(new ScriptedReply { Text = "This answer will be cut somewhere in the middle.", CutAfterChunks = 2 });
        await using var proxy = StartProxy(fake, BackendMode.MlxLm);
        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false));
        AssertError(status, body, 500, "api_error");
        Assert.Contains("closed the stream early", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_stalled_backend_ends_with_a_timeout_error()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(new ScriptedReply { Text = "Starts fine then goes quiet.", StallAfterChunks = 1, StallFor = TimeSpan.FromSeconds(30) });
        await using var proxy = StartProxy(fake, tweak: o => o with { StallTimeout = TimeSpan.FromMilliseconds(400) });
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(true));
        var events = Events(await response.Content.ReadAsStringAsync());
        var error = events[^1];
        Assert.Equal("error", error.Event);
        Assert.Equal("timeout_error", error.Data.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_backend_that_never_answers_a_non_streaming_request_is_a_504_timeout_error()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(new ScriptedReply { Text = "too late", DelayBeforeResponse = TimeSpan.FromSeconds(30) });
        await using var proxy = StartProxy(fake, tweak: o => o with { StallTimeout = TimeSpan.FromMilliseconds(300) });
        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false));
        AssertError(status, body, 504, "timeout_error");
        Assert.Contains("LM Studio", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Pings_keep_the_stream_alive_while_the_backend_is_silent()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(new ScriptedReply { Text = "Late answer.", DelayBeforeResponse = TimeSpan.FromMilliseconds(1500) });
        await using var proxy = StartProxy(fake, tweak: o => o with { PingInterval = TimeSpan.FromMilliseconds(100) });
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(true));
        var events = Events(await response.Content.ReadAsStringAsync());
        var firstBlock = events.FindIndex(e => e.Event == "content_block_start");
        Assert.Equal("message_start", events[0].Event);
        Assert.Contains(events.Take(firstBlock), e => e.Event == "ping");
        Assert.Equal("Late answer.", TextOf(events));
    }

    [Fact]
    public async Task Concurrency_limit_serialises_requests_and_waiting_ones_get_pings()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(new ScriptedReply { Text = "first", DelayBeforeResponse = TimeSpan.FromMilliseconds(800) },
                     new ScriptedReply { Text = "second", DelayBeforeResponse = TimeSpan.FromMilliseconds(800) });
        await using var proxy = StartProxy(fake, tweak: o => o with { PingInterval = TimeSpan.FromMilliseconds(100) },
            backend: b => b with { MaxConcurrency = 1 });
        using var client = Client(proxy);
        var a = PostMessagesAsync(client, Body(true, "one"));
        var b = PostMessagesAsync(client, Body(true, "two"));
        var bodies = await Task.WhenAll(
            a.ContinueWith(t => t.Result.Content.ReadAsStringAsync()).Unwrap(),
            b.ContinueWith(t => t.Result.Content.ReadAsStringAsync()).Unwrap());
        Assert.Equal(1, fake.MaxConcurrentChatRequests);
        var texts = bodies.Select(s => TextOf(Events(s))).OrderBy(s => s).ToArray();
        Assert.Equal(["first", "second"], texts);
        Assert.All(bodies, s => Assert.Contains(Events(s), e => e.Event == "ping"));
    }

    [Fact]
    public async Task Client_disconnect_cancels_the_backend_request_and_frees_the_slot()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions
        {
            Flavor = FakeFlavor.LmStudio,
            MicrosecondsPerGeneratedToken = 100_000, // 10 tokens a second: the full answer would take minutes
        });
        fake.Enqueue(ScriptedReply.WithText(string.Join(' ', Enumerable.Repeat("word", 4000))), ScriptedReply.WithText("after"));
        await using var proxy = StartProxy(fake, tweak: o => o with { PingInterval = TimeSpan.FromMilliseconds(100) },
            backend: b => b with { MaxConcurrency = 1 });
        using (var client = Client(proxy))
        {
            using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = Json(Body(true)) },
                HttpCompletionOption.ResponseHeadersRead);
            var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[4096];
            var seen = "";
            while (!seen.Contains("text_delta")) seen += System.Text.Encoding.UTF8.GetString(buffer, 0, await stream.ReadAsync(buffer));
        } // Esc: the connection goes away
        await EventuallyAsync(() => proxy.GetRecords().Count == 1, "the cancelled request's record");
        Assert.Contains("client closed", proxy.GetRecords()[0].Error);
        // The single slot is free again, long before the first answer could have finished.
        using var second = Client(proxy);
        var (status, body) = await PostForJsonAsync(second, "/v1/messages", Body(false));
        Assert.Equal(200, status);
        Assert.Equal("after", body.GetProperty("content")[0].GetProperty("text").GetString());
    }

    // While the backend processes a long prompt nothing is written to the client, so a write cannot reveal a
    // hang-up: the proxy must notice it on its own, long before the next ping (a minute apart here).
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Client_hang_up_during_prompt_processing_cancels_the_backend_request_without_waiting_for_a_ping(bool stream)
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions
        {
            Flavor = FakeFlavor.LmStudio,
            MicrosecondsPerPromptToken = 2_000_000, // two seconds a prompt token: this prompt takes over a minute
        });
        await using var proxy = StartProxy(fake, tweak: o => o with { PingInterval = TimeSpan.FromMinutes(1) });
        using (var client = Client(proxy))
        using (var hangUp = new CancellationTokenSource())
        {
            var sending = client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = Json(Body(stream)) },
                HttpCompletionOption.ResponseHeadersRead, hangUp.Token);
            await EventuallyAsync(() => fake.ChatRequests.Count == 1, "the request to reach the backend");
            if (stream)
            {
                using var response = await sending;
                var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                Assert.Equal("event: message_start", await reader.ReadLineAsync());
            }
            else
            {
                hangUp.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
            }
        } // Esc: the connection goes away while the prompt is still being processed
        await EventuallyAsync(() => fake.ChatRequests.Single().ClientDisconnected, "the backend request to be cancelled");
        await EventuallyAsync(() => proxy.GetRecords().Count == 1, "the cancelled request's record");
        Assert.Contains("client closed", proxy.GetRecords()[0].Error);
    }

    [Fact]
    public async Task Mlx_close_delimited_streams_with_keepalives_work_and_tools_are_not_sent_by_default()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, PrefillStepTokens = 8 });
        fake.Enqueue(ScriptedReply.WithText("From MLX."));
        await using var proxy = StartProxy(fake, BackendMode.MlxLm);
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(true, string.Join(' ', Enumerable.Repeat("context", 200)), extra: WeatherTool));
        var events = Events(await response.Content.ReadAsStringAsync());
        Assert.Equal("From MLX.", TextOf(events));
        Assert.Equal("message_stop", events[^1].Event);
        Assert.DoesNotContain("\"tools\"", fake.ChatRequests.Single().Body);
        Assert.Equal(BackendMode.MlxLm, proxy.GetRecords().Single().Mode);
    }
}
