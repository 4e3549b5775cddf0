using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using Xunit;
using static AnyClaude.Proxy.Tests.FakeBackend.FakeHttp;

namespace AnyClaude.Proxy.Tests.FakeBackend;

/// <summary>Pins the fake's LM Studio behaviour, with a plain HTTP client.</summary>
public sealed class LmStudioFlavorTests : IAsyncLifetime
{
    private const string Model = "qwen/qwen3-8b";
    private FakeOpenAiServer _fake = null!;

    public Task InitializeAsync()
    {
        _fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = Model, ContextLength = 4096, OtherModels = ["google/gemma-3-4b"] });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private string Chat => _fake.BaseUrl + "/chat/completions";

    [Fact]
    public async Task Stream_is_http11_chunked_with_done_and_keeps_the_connection()
    {
        var (raw, closed) = await RawExchangeAsync(_fake.Port, "POST", "/v1/chat/completions", ChatBody("hello", stream: true), timeout: TimeSpan.FromSeconds(2));
        Assert.False(closed, "LM Studio keeps HTTP/1.1 connections open");
        var headers = Headers(raw);
        Assert.StartsWith("HTTP/1.1 200 OK", headers);
        Assert.Contains("Transfer-Encoding: chunked", headers);
        Assert.Contains("Content-Type: text/event-stream", headers);
        Assert.EndsWith("0\r\n\r\n", raw);
        Assert.Contains("data: [DONE]", raw);
        Assert.DoesNotContain("keepalive", raw);
    }

    [Fact]
    public async Task Tool_calls_stream_name_first_then_argument_fragments_keyed_by_index()
    {
        const string args = "{\"command\":\"git status --short\"}";
        _fake.Enqueue(ScriptedReply.WithToolCalls(new ScriptedToolCall("Bash", args), new ScriptedToolCall("Bash", "{\"command\":\"ls\"}")));
        var sse = await (await PostAsync(Chat, ChatBody("go", stream: true, tools: BashTool))).Content.ReadAsStringAsync();

        var fragments = Chunks(sse).Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("tool_calls", out _))
            .Select(d => d.GetProperty("tool_calls")[0]).ToList();
        var first = fragments.Where(f => f.GetProperty("index").GetInt32() == 0).ToList();
        Assert.True(first.Count > 2, "arguments arrive in several fragments");
        Assert.Equal("Bash", first[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("", first[0].GetProperty("function").GetProperty("arguments").GetString());
        Assert.Matches("^[0-9]+$", first[0].GetProperty("id").GetString());
        Assert.All(first.Skip(1), f =>
        {
            Assert.False(f.TryGetProperty("id", out _));
            Assert.False(f.GetProperty("function").TryGetProperty("name", out _));
        });
        Assert.Equal(args, string.Concat(first.Select(f => f.GetProperty("function").GetProperty("arguments").GetString())));
        Assert.Contains(fragments, f => f.GetProperty("index").GetInt32() == 1);

        var finish = Chunks(sse)[^1].GetProperty("choices")[0];
        Assert.Equal("tool_calls", finish.GetProperty("finish_reason").GetString());
        Assert.Empty(finish.GetProperty("delta").EnumerateObject());
    }

    [Fact]
    public async Task Auto_responder_calls_bash_for_run_and_acknowledges_tool_results()
    {
        var call = await PostForJsonAsync(Chat, ChatBody("please RUN: echo hi\nthanks", tools: BashTool));
        var choice = call.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var fn = choice.GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function");
        Assert.Equal("Bash", fn.GetProperty("name").GetString());
        var input = JsonDocument.Parse(fn.GetProperty("arguments").GetString()!).RootElement;
        Assert.Equal("echo hi", input.GetProperty("command").GetString());
        Assert.Equal("Run the requested command", input.GetProperty("description").GetString());

        var toolResult = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"tool\",\"tool_call_id\":\"1\",\"content\":\"" + new string('r', 300) + "\"}]}";
        var ack = await PostForJsonAsync(Chat, toolResult);
        Assert.Equal("Tool result received: " + new string('r', 200),
            ack.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

        var echo = await PostForJsonAsync(Chat, ChatBody("Write a title for: " + new string('z', 200)));
        var text = echo.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        Assert.Equal("FAKE-LMSTUDIO (" + Model + "): " + ("Write a title for: " + new string('z', 200))[..100], text);
    }

    [Fact]
    public async Task Tools_unsupported_returns_the_call_as_text_and_models_lack_tool_use()
    {
        await using var noTools = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = Model, ToolsUnsupported = true });
        var response = await PostForJsonAsync(noTools.BaseUrl + "/chat/completions", ChatBody("RUN: ls", tools: BashTool));
        var choice = response.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.False(choice.GetProperty("message").TryGetProperty("tool_calls", out _));
        Assert.Contains("[TOOL_REQUEST]", choice.GetProperty("message").GetProperty("content").GetString());

        var v0 = JsonDocument.Parse(await Client.GetStringAsync(noTools.RootUrl + "/api/v0/models")).RootElement;
        Assert.Equal(0, v0.GetProperty("data")[0].GetProperty("capabilities").GetArrayLength());
    }

    [Fact]
    public async Task Rest_v0_models_reports_state_context_type_and_capabilities()
    {
        var v0 = JsonDocument.Parse(await Client.GetStringAsync(_fake.RootUrl + "/api/v0/models")).RootElement.GetProperty("data");
        var loaded = v0.EnumerateArray().Single(m => m.GetProperty("id").GetString() == Model);
        Assert.Equal("loaded", loaded.GetProperty("state").GetString());
        Assert.Equal("llm", loaded.GetProperty("type").GetString());
        Assert.Equal(4096, loaded.GetProperty("max_context_length").GetInt32());
        Assert.Contains(loaded.GetProperty("capabilities").EnumerateArray(), c => c.GetString() == "tool_use");
        var other = v0.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "google/gemma-3-4b");
        Assert.Equal("not-loaded", other.GetProperty("state").GetString());

        var v1 = JsonDocument.Parse(await Client.GetStringAsync(_fake.BaseUrl + "/models")).RootElement.GetProperty("data");
        Assert.Equal(2, v1.GetArrayLength());
    }

    [Fact]
    public async Task Reasoning_field_is_reasoning_or_reasoning_content_for_older_builds()
    {
        _fake.Enqueue(ScriptedReply.WithReasoning("hmm", "ok"));
        var sse = await (await PostAsync(Chat, ChatBody("q", stream: true))).Content.ReadAsStringAsync();
        Assert.Equal("hmm", string.Concat(Chunks(sse).Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("reasoning", out _)).Select(d => d.GetProperty("reasoning").GetString())));

        await using var old = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, ReasoningField = "reasoning_content" });
        old.Enqueue(ScriptedReply.WithReasoning("hmm", "ok"));
        var oldSse = await (await PostAsync(old.BaseUrl + "/chat/completions", ChatBody("q", stream: true))).Content.ReadAsStringAsync();
        Assert.Contains("\"reasoning_content\":\"hmm\"", oldSse);
        Assert.DoesNotContain("\"reasoning\":", oldSse);
    }

    [Fact]
    public async Task Usage_only_with_include_usage_and_without_cached_token_details()
    {
        var without = await (await PostAsync(Chat, ChatBody("hi", stream: true))).Content.ReadAsStringAsync();
        Assert.DoesNotContain("usage", without);
        var with = Chunks(await (await PostAsync(Chat, ChatBody("hi", stream: true, includeUsage: true))).Content.ReadAsStringAsync());
        Assert.Equal(0, with[^1].GetProperty("choices").GetArrayLength());
        Assert.False(with[^1].GetProperty("usage").TryGetProperty("prompt_tokens_details", out _));
    }

    [Fact]
    public async Task Context_overflow_uses_lm_studio_wording()
    {
        var (status, body) = await PostForTextAsync(Chat, ChatBody(new string('a', 4 * 5000)));
        Assert.Equal(400, status);
        Assert.Matches("Trying to keep the first [0-9]+ tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens", body);
    }

    [Fact]
    public async Task Max_tokens_beyond_the_window_is_cut_at_the_context_unless_strict()
    {
        _fake.Enqueue(ScriptedReply.WithText(new string('y', 4 * 5000)));
        var response = await PostForJsonAsync(Chat, ChatBody("hi", maxTokens: 32000));
        Assert.Equal("length", response.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var usage = response.GetProperty("usage");
        Assert.Equal(4096, usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32());

        await using var strict = FakeOpenAiServer.Start(new FakeServerOptions { ContextLength = 4096, ContextCheckIncludesMaxTokens = true });
        var (status, _) = await PostForTextAsync(strict.BaseUrl + "/chat/completions", ChatBody("hi", maxTokens: 32000));
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task Unknown_model_names_are_ignored_while_a_model_is_loaded_and_404_otherwise()
    {
        var served = await PostForJsonAsync(Chat, ChatBody("hi", model: "claude-opus-4"));
        Assert.Equal(Model, served.GetProperty("model").GetString());

        await using var unloaded = FakeOpenAiServer.Start(new FakeServerOptions { Model = Model, ModelLoaded = false });
        var (status, body) = await PostForTextAsync(unloaded.BaseUrl + "/chat/completions", ChatBody("hi", model: "claude-opus-4"));
        Assert.Equal(404, status);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.StartsWith("Model \"claude-opus-4\" not found.", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Unexpected_endpoints_answer_200_with_an_error()
    {
        using var response = await Client.GetAsync(_fake.RootUrl + "/");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("{\"error\":\"Unexpected endpoint or method. (GET /). Returning 200 anyway\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Fragments_can_carry_an_empty_name_like_some_lm_studio_builds()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { ToolFragmentsCarryEmptyName = true });
        fake.Enqueue(ScriptedReply.WithToolCalls(new ScriptedToolCall("Bash", "{\"command\":\"ls -la\"}")));
        var sse = await (await PostAsync(fake.BaseUrl + "/chat/completions", ChatBody("go", stream: true, tools: BashTool))).Content.ReadAsStringAsync();
        var names = Chunks(sse).Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("tool_calls", out _))
            .Select(d => d.GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString()).ToList();
        Assert.Equal("Bash", names[0]);
        Assert.True(names.Count > 2);
        Assert.All(names.Skip(1), n => Assert.Equal("", n));
    }

    [Fact]
    public async Task Tool_choice_required_or_named_forces_a_call_and_none_prevents_it()
    {
        const string tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"parameters\":{\"type\":\"object\",\"properties\":{}}}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"add\",\"parameters\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"label\":{\"type\":\"string\"}},\"required\":[\"a\",\"label\"]}}}]";
        string Body(string choice) => ChatBody("hello", tools: tools)[..^1] + ",\"tool_choice\":" + choice + "}";

        var required = await PostForJsonAsync(Chat, Body("\"required\""));
        Assert.Equal("get_time", required.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString());

        var named = await PostForJsonAsync(Chat, Body("{\"type\":\"function\",\"function\":{\"name\":\"add\"}}"));
        var fn = named.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function");
        Assert.Equal("add", fn.GetProperty("name").GetString());
        Assert.Equal("{\"a\":1,\"label\":\"test\"}", fn.GetProperty("arguments").GetString());

        var none = await PostForJsonAsync(Chat, Body("\"none\"").Replace("hello", "RUN: ls"));
        Assert.False(none.GetProperty("choices")[0].GetProperty("message").TryGetProperty("tool_calls", out _));

        var auto = await PostForJsonAsync(Chat, Body("\"auto\""));
        Assert.False(auto.GetProperty("choices")[0].GetProperty("message").TryGetProperty("tool_calls", out _));
    }

    [Fact]
    public async Task Rest_v0_completions_report_the_simulated_time_to_first_token()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { MicrosecondsPerPromptToken = 100 });
        var body = ChatBody("hello " + new string('w', 4000));
        var cold = await PostForJsonAsync(fake.RootUrl + "/api/v0/chat/completions", body);
        var warm = await PostForJsonAsync(fake.RootUrl + "/api/v0/chat/completions", body);

        var coldTtft = cold.GetProperty("stats").GetProperty("time_to_first_token").GetDouble();
        var warmTtft = warm.GetProperty("stats").GetProperty("time_to_first_token").GetDouble();
        Assert.Equal(fake.ChatRequests[0].PromptProcessingMicroseconds!.Value / 1e6, coldTtft, 9);
        Assert.True(warmTtft * 50 < coldTtft, $"warm {warmTtft}s vs cold {coldTtft}s");
        Assert.Equal("eosFound", cold.GetProperty("stats").GetProperty("stop_reason").GetString());
        Assert.Equal(32768, cold.GetProperty("model_info").GetProperty("context_length").GetInt32());

        var v1 = await PostForJsonAsync(fake.BaseUrl + "/chat/completions", body);
        Assert.Empty(v1.GetProperty("stats").EnumerateObject());
    }
}
