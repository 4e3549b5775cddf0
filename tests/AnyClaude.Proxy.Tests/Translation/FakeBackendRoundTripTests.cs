using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Translation;
using Xunit;
using static AnyClaude.Proxy.Tests.Translation.TranslationTestKit;

namespace AnyClaude.Proxy.Tests.Translation;

/// <summary>Translated requests are accepted by the fake LM Studio / mlx_lm.server (which validates like the real
/// ones: text-only content, model names, tool argument JSON) and their real-shaped streams translate back into a
/// grammatical Anthropic stream. No proxy host involved: request translator → backend → stream translator.</summary>
public class FakeBackendRoundTripTests
{
    private const string History = """
        [{"role":"user","content":[{"type":"text","text":"What is here?"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]},
         {"role":"system","content":"Working directory: /tmp/p"},
         {"role":"assistant","content":[{"type":"thinking","thinking":"look","signature":"sig"},{"type":"tool_use","id":"toolu_01","name":"Bash","input":{"command":"ls"}}]},
         {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","is_error":true,"content":"ls: permission denied"}]}]
        """;

    private const string Tools = """
        "tools":[{"name":"Bash","description":"Run","input_schema":{"$schema":"x","type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}]
        """;

    private static async Task<StreamSummary> RoundTrip(FakeOpenAiServer fake, BackendProfile profile, string body)
    {
        using var request = Parse(body);
        var chatBody = new ArrayBufferWriter<byte>();
        ChatRequestTranslator.Write(request, profile, 1024, chatBody);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var content = new ByteArrayContent(chatBody.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(fake.BaseUrl + "/chat/completions", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);

        var sse = new ArrayBufferWriter<byte>();
        var translator = new ChatStreamTranslator(new SseEventWriter(sse));
        translator.Start("msg_rt", "claude-sonnet-4-5", 10);
        foreach (var line in SseText.Lines(text))
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
                continue; // blank lines and ": keepalive" comments
            var payload = line[5..].TrimStart();
            if (payload == "[DONE]")
                break;
            translator.OnChunk(Encoding.UTF8.GetBytes(payload));
        }
        translator.Complete();
        return AnthropicSseGrammar.Check(Encoding.UTF8.GetString(sse.WrittenSpan));
    }

    [Fact]
    public async Task Lm_studio_fragmented_tool_call_round_trip()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(new ScriptedReply { Reasoning = "Try with sudo?", Text = "Retrying.", ToolCalls = [new ScriptedToolCall("Bash", """{"command":"ls -la /tmp/p"}""")] });
        var summary = await RoundTrip(fake, LmStudio, Request(History, Tools));
        Assert.Equal(["thinking", "text", "tool_use"], summary.Blocks.Select(b => b.Kind));
        Assert.Equal("""{"command":"ls -la /tmp/p"}""", summary.Blocks[2].Text);
        Assert.Equal("tool_use", summary.StopReason);
        using var sent = fake.ChatRequests[^1].BodyJson();
        Assert.Equal("[tool error] ls: permission denied", sent.RootElement.GetProperty("messages")[2].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Mlx_text_only_analysis_round_trip_with_cached_tokens_on_the_second_turn()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = "mlx-community/Qwen3-8B-4bit" });
        fake.Enqueue(ScriptedReply.WithReasoning("The listing failed.", "Permission was denied."));
        var first = await RoundTrip(fake, MlxLm, Request(History, Tools));
        Assert.Equal(["thinking", "text"], first.Blocks.Select(b => b.Kind));
        Assert.Equal("end_turn", first.StopReason);

        var nextTurn = History[..History.LastIndexOf(']')]
            + """,{"role":"assistant","content":"Permission was denied."},{"role":"user","content":"why?"}]""";
        fake.Enqueue(ScriptedReply.WithText("Because."));
        var second = await RoundTrip(fake, MlxLm, Request(nextTurn, Tools));
        Assert.True(second.FinalUsage!.Value.GetProperty("cache_read_input_tokens").GetInt32() > 0,
            "the second turn extends the first prompt, so the backend's prefix cache must hit");
    }

    [Fact]
    public async Task Mlx_native_whole_tool_call_round_trip()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, MlxToolCalling = true });
        fake.Enqueue(ScriptedReply.WithToolCalls(new ScriptedToolCall("Bash", """{"command": "pwd"}"""), new ScriptedToolCall("Bash", """{"command": "id"}""")));
        var summary = await RoundTrip(fake, MlxLmNativeTools, Request(History, Tools));
        Assert.Equal(["tool_use", "tool_use"], summary.Blocks.Select(b => b.Kind));
        Assert.All(summary.Blocks, b => Assert.False(string.IsNullOrEmpty(b.ToolId)));
        Assert.Equal("tool_use", summary.StopReason);
    }
}
