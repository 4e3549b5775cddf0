using System.Buffers;
using System.Text;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Translation;
using Xunit;
using static AnyClaude.Proxy.Tests.Translation.TranslationTestKit;

namespace AnyClaude.Proxy.Tests.Translation;

/// <summary>The benchmarks' Claude-Code-shaped workload (one generator for bench, diagnostics and tests) through the
/// translators the benchmarks time: what they measure is a correct translation.</summary>
public sealed class WorkloadTranslationTests
{
    [Fact]
    public void The_benchmark_request_translates_with_every_tool_and_each_turn_extends_the_previous_one()
    {
        var shorter = Encoding.UTF8.GetString(ClaudeCodeRequest.Create(new() { Rounds = 3 }));
        var longer = Encoding.UTF8.GetString(ClaudeCodeRequest.Create(new() { Rounds = 4 }));

        var a = ToChatJson(shorter, LmStudio);
        var b = ToChatJson(longer, LmStudio);

        Assert.Equal(ToolCatalog.Names.Count, a.GetProperty("tools").GetArrayLength());
        Assert.Equal(a.GetProperty("tools").GetRawText(), b.GetProperty("tools").GetRawText());
        // The history the two share translates to the same messages: what a prefix cache needs.
        var shared = Messages(a)[..^2];
        Assert.True(shared.Length > 6);
        for (var i = 0; i < shared.Length; i++)
            Assert.Equal(shared[i].GetRawText(), Messages(b)[i].GetRawText());
    }

    [Theory]
    [InlineData(StreamShape.Text, 0)]
    [InlineData(StreamShape.Mixed, 2)]
    public void The_benchmark_backend_stream_translates_into_a_grammatical_Anthropic_stream(StreamShape shape, int toolCalls)
    {
        var stream = OpenAiStream.Create(200, shape);
        var output = new ArrayBufferWriter<byte>();
        var translator = new ChatStreamTranslator(new SseEventWriter(output));
        translator.Start("msg_workload", "claude-sonnet-4-5", 21_480);
        foreach (var payload in stream.Payloads) translator.OnChunk(payload);
        translator.Complete();

        var summary = AnthropicSseGrammar.Check(Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(toolCalls, summary.Blocks.Count(b => b.Kind == "tool_use"));
        Assert.Equal(toolCalls > 0 ? "tool_use" : "end_turn", summary.StopReason);
    }
}
