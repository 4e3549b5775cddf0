using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using Xunit;
using static AnyClaude.Proxy.Tests.FakeBackend.FakeHttp;

namespace AnyClaude.Proxy.Tests.FakeBackend;

/// <summary>Pins the fake's mlx_lm.server behaviour (server.py), with a plain HTTP client.</summary>
public sealed class MlxLmFlavorTests : IAsyncLifetime
{
    private const string Model = "mlx-community/Qwen3-8B-4bit";
    private FakeOpenAiServer _fake = null!;

    public Task InitializeAsync()
    {
        _fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = Model, PrefillStepTokens = 8 });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private string Chat => _fake.BaseUrl + "/chat/completions";

    [Fact]
    public async Task Stream_is_http10_close_delimited_with_keepalive_comments()
    {
        var (raw, closed) = await RawExchangeAsync(_fake.Port, "POST", "/v1/chat/completions", ChatBody("hello", stream: true));

        Assert.True(closed, "mlx ends a stream by closing the connection");
        var headers = Headers(raw);
        Assert.StartsWith("HTTP/1.0 200 OK", headers);
        Assert.Contains("Content-type: text/event-stream", headers);
        Assert.DoesNotContain("Content-Length", headers, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Transfer-Encoding", headers, StringComparison.OrdinalIgnoreCase);
        var body = Body(raw);
        Assert.Matches(@"^: keepalive \d+/\d+\n\n", body);
        Assert.EndsWith("data: [DONE]\n\n", body);
    }

    [Fact]
    public async Task Connection_closes_even_when_the_client_asks_for_keep_alive()
    {
        var (raw, closed) = await RawExchangeAsync(_fake.Port, "GET", "/health", null);
        Assert.True(closed);
        Assert.StartsWith("HTTP/1.0 200 OK", raw);
        Assert.Equal("{\"status\": \"ok\"}", Body(raw));
    }

    [Fact]
    public async Task Models_lists_the_loaded_model_and_unknown_paths_are_404_not_found()
    {
        var models = JsonDocument.Parse(await Client.GetStringAsync(_fake.BaseUrl + "/models")).RootElement;
        Assert.Equal("list", models.GetProperty("object").GetString());
        Assert.Equal(Model, models.GetProperty("data")[0].GetProperty("id").GetString());

        var filtered = JsonDocument.Parse(await Client.GetStringAsync(_fake.BaseUrl + "/models/other/repo")).RootElement;
        Assert.Equal(0, filtered.GetProperty("data").GetArrayLength());

        using var missing = await Client.GetAsync(_fake.RootUrl + "/api/v0/models");
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal("Not Found", await missing.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Usage_is_streamed_only_with_include_usage_in_a_final_chunk_without_choices()
    {
        var without = await (await PostAsync(Chat, ChatBody("hi", stream: true))).Content.ReadAsStringAsync();
        Assert.DoesNotContain("\"usage\"", without);

        var with = await (await PostAsync(Chat, ChatBody("hi", stream: true, includeUsage: true))).Content.ReadAsStringAsync();
        var chunks = Chunks(with);
        var last = chunks[^1];
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        Assert.Equal("chat.completion", last.GetProperty("object").GetString()); // mlx labels the usage chunk like this
        var usage = last.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 0);
        Assert.True(usage.GetProperty("prompt_tokens_details").TryGetProperty("cached_tokens", out _));
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("[DONE]", DataLines(with)[^1]);
    }

    [Fact]
    public async Task Stream_options_without_include_usage_kills_the_stream_after_the_finish_chunk()
    {
        var body = ChatBody("hi", stream: true)[..^1] + ",\"stream_options\":{}}";
        var (raw, closed) = await RawExchangeAsync(_fake.Port, "POST", "/v1/chat/completions", body);
        Assert.True(closed);
        Assert.Contains("\"finish_reason\": \"stop\"", raw);
        Assert.DoesNotContain("[DONE]", raw);
    }

    [Fact]
    public async Task Model_field_absent_or_loaded_is_served_and_echoed_other_names_fail_like_a_hub_download()
    {
        var absent = await PostForJsonAsync(Chat, ChatBody("hi"));
        Assert.Equal("default_model", absent.GetProperty("model").GetString());
        var same = await PostForJsonAsync(Chat, ChatBody("hi", model: Model));
        Assert.Equal(Model, same.GetProperty("model").GetString());

        var (status, error) = await PostForTextAsync(Chat, ChatBody("hi", model: "claude-sonnet-4-5"));
        Assert.Equal(500, status);
        var message = JsonDocument.Parse(error).RootElement.GetProperty("error").GetString()!;
        Assert.Contains("Repository Not Found for url: https://huggingface.co/api/models/claude-sonnet-4-5", message);
    }

    [Fact]
    public async Task Non_text_content_parts_are_rejected_with_the_real_message()
    {
        var body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}}]}]}";
        var (status, error) = await PostForTextAsync(Chat, body);
        Assert.Equal(500, status);
        Assert.Equal("{\"error\": \"Only 'text' content type is supported.\"}", error);

        var textOnly = await PostForJsonAsync(Chat, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look\"}]}]}");
        Assert.Contains("look", textOnly.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task History_tool_call_arguments_must_be_json()
    {
        static string WithArgs(string args) =>
            "{\"messages\":[{\"role\":\"user\",\"content\":\"go\"},{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"1\",\"type\":\"function\","
            + "\"function\":{\"name\":\"Bash\",\"arguments\":" + JsonSerializer.Serialize(args) + "}}]},{\"role\":\"tool\",\"tool_call_id\":\"1\",\"content\":\"ok\"}]}";

        var (status, error) = await PostForTextAsync(Chat, WithArgs("{\"command\": ls"));
        Assert.Equal(500, status);
        Assert.StartsWith("Expecting value", JsonDocument.Parse(error).RootElement.GetProperty("error").GetString());

        var ok = await PostForJsonAsync(Chat, WithArgs("{\"command\":\"ls\"}"));
        Assert.Equal("Tool result received: ok", ok.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Without_max_tokens_generation_stops_at_512_with_finish_reason_length()
    {
        _fake.Enqueue(ScriptedReply.WithText(new string('x', 4 * 600)));
        var response = await PostForJsonAsync(Chat, ChatBody("long please"));
        Assert.Equal("length", response.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(512, response.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(512 * 4, response.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!.Length);
    }

    [Fact]
    public async Task Tools_are_ignored_unless_tool_calling_is_enabled()
    {
        var response = await PostForJsonAsync(Chat, ChatBody("RUN: ls", tools: BashTool));
        var message = response.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal(0, message.GetProperty("tool_calls").GetArrayLength());
        Assert.StartsWith("FAKE-MLX-LM (" + Model + "): RUN: ls", message.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Validation_errors_drop_the_connection_without_a_reply()
    {
        var (raw, closed) = await RawExchangeAsync(_fake.Port, "POST", "/v1/chat/completions", "{\"messages\":[],\"stream\":\"yes\"}");
        Assert.True(closed);
        Assert.Equal("", raw);
        Assert.Null(_fake.Requests[^1].Status);
    }

    [Fact]
    public async Task Invalid_json_is_a_400_with_mlx_wording()
    {
        var (status, body) = await PostForTextAsync(Chat, "{not json");
        Assert.Equal(400, status);
        Assert.StartsWith("{\"error\": \"Invalid JSON in request body: ", body);
    }

    [Fact]
    public async Task Reasoning_streams_in_delta_reasoning_and_every_delta_has_all_fields()
    {
        _fake.Enqueue(ScriptedReply.WithReasoning("think hard", "answer"));
        var sse = await (await PostAsync(Chat, ChatBody("q", stream: true))).Content.ReadAsStringAsync();
        var deltas = Chunks(sse).Select(c => c.GetProperty("choices")[0].GetProperty("delta")).ToList();
        Assert.Equal("think hard", string.Concat(deltas.Select(d => d.GetProperty("reasoning").GetString())));
        Assert.Equal("answer", string.Concat(deltas.Select(d => d.GetProperty("content").GetString())));
        Assert.All(deltas, d => Assert.Equal(JsonValueKind.Array, d.GetProperty("tool_calls").ValueKind));
        Assert.DoesNotContain("reasoning_content", sse);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_limit_fails_with_the_max_prompt_tokens_message()
    {
        await using var small = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = Model, ContextLength = 50 });
        var (status, body) = await PostForTextAsync(small.BaseUrl + "/chat/completions", ChatBody(new string('a', 400)));
        Assert.Equal(500, status);
        Assert.Matches(@"Prompt exceeds max prompt token limit: prompt_tokens=\d+, max_prompt_tokens=50", body);
    }

    [Fact]
    public async Task A_system_message_after_the_first_is_rejected_by_the_template()
    {
        var body = "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"system\",\"content\":\"late\"},{\"role\":\"user\",\"content\":\"b\"}]}";
        var (status, error) = await PostForTextAsync(Chat, body);
        Assert.Equal(500, status);
        Assert.Equal("{\"error\": \"System message must be at the beginning.\"}", error);
    }

    [Fact]
    public async Task Keepalive_comments_report_progress_per_prefill_step()
    {
        var (raw, _) = await RawExchangeAsync(_fake.Port, "POST", "/v1/chat/completions", ChatBody(new string('k', 100), stream: true));
        var keepalives = Body(raw).Split("\n\n").Where(e => e.StartsWith(": keepalive ", StringComparison.Ordinal)).ToList();
        var uncached = _fake.ChatRequests[^1].PromptTokens!.Value - _fake.ChatRequests[^1].CachedTokens!.Value;
        Assert.Equal((uncached + 7) / 8, keepalives.Count); // PrefillStepTokens = 8 in this fixture
        Assert.Equal($": keepalive 8/{uncached}", keepalives[0]);
        Assert.Equal($": keepalive {uncached}/{uncached}", keepalives[^1]);
    }

    [Fact]
    public async Task A_scripted_finish_reason_overrides_the_natural_one()
    {
        _fake.Enqueue(new ScriptedReply { Text = "filtered", FinishReason = "content_filter" });
        var response = await PostForJsonAsync(Chat, ChatBody("x"));
        Assert.Equal("content_filter", response.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("content_filter", _fake.ChatRequests[^1].FinishReason);
    }
}
