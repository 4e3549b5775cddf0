using System.Net;
using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Tests.Translation;
using Xunit;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Capture;

/// <summary>The capture server must answer like the real API, or recordings would show Claude Code's error paths.</summary>
public sealed class CaptureServerTests : IDisposable
{
    private readonly CaptureServer _server = CaptureServer.Start();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static string Body(bool stream, string messages, bool tools = true) =>
        Conversation.Request(messages, tools ? Conversation.Tools : null, "claude-test", 100, stream);

    private const string FirstTurn = $$"""[{"role":"user","content":[{"type":"text","text":"{{ConversationScript.Marker}}: go"}]}]""";

    private async Task<HttpResponseMessage> PostAsync(string path, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.BaseUrl, path)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-test", "1");
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task Main_conversation_first_gets_a_Bash_tool_use_stream_in_exact_grammar()
    {
        var response = await PostAsync("/v1/messages?beta=true", Body(true, FirstTurn));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var summary = AnthropicSseGrammar.Check(await response.Content.ReadAsStringAsync());

        Assert.Equal("tool_use", summary.StopReason);
        var block = Assert.Single(summary.Blocks);
        Assert.Equal("Bash", block.ToolName);
        Assert.Equal("echo one", JsonDocument.Parse(block.Text).RootElement.GetProperty("command").GetString());
        var captured = Assert.Single(_server.Requests);
        Assert.Equal("/v1/messages", captured.Path);
        Assert.Equal("1", captured.Header("x-test"));
    }

    [Fact]
    public async Task After_two_tool_results_the_main_conversation_ends_with_text()
    {
        const string results = $$$"""
            [{"role":"user","content":"{{{ConversationScript.Marker}}}"},
             {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"one"}]},
             {"role":"assistant","content":[{"type":"tool_use","id":"t2","name":"Bash","input":{}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"t2","content":"two"}]}]
            """;
        var summary = AnthropicSseGrammar.Check(await (await PostAsync("/v1/messages", Body(true, results))).Content.ReadAsStringAsync());
        Assert.Equal("end_turn", summary.StopReason);
        Assert.Equal(ConversationScript.FinalText, Assert.Single(summary.Blocks).Text);
    }

    [Fact]
    public async Task Side_requests_and_non_streaming_calls_get_a_short_json_text()
    {
        var response = await PostAsync("/v1/messages", Body(false, """[{"role":"user","content":"Warmup"}]""", tools: false));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("message", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal(ConversationScript.SideText, doc.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Count_tokens_head_and_unknown_paths_answer_like_the_api()
    {
        using var count = JsonDocument.Parse(await (await PostAsync("/v1/messages/count_tokens", Body(false, FirstTurn))).Content.ReadAsStringAsync());
        Assert.True(count.RootElement.GetProperty("input_tokens").GetInt32() > 0);
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, _server.BaseUrl))).StatusCode);
        var missing = await _http.GetAsync(new Uri(_server.BaseUrl, "/v1/nothing"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("not_found_error", await missing.Content.ReadAsStringAsync());
    }

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
    }
}
