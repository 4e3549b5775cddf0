using System.Buffers;
using System.Text;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Translation;
using Xunit;

namespace AnyClaude.Proxy.Tests.Translation;

public class SseEventWriterTests
{
    private static string Write(Action<SseEventWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new SseEventWriter(buffer));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Message_start_has_the_full_anthropic_shape()
    {
        var sse = Write(w => w.MessageStart("msg_1", "claude-opus-4", new UsageCounts(10, 1, 5)));
        Assert.Equal(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-opus-4\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}\n\n",
            sse);
    }

    [Fact]
    public void Block_events_and_deltas_are_framed_with_matching_event_names()
    {
        var sse = Write(w =>
        {
            w.BlockStart(0, "tool_use", "toolu_1", "Bash");
            w.InputJsonDelta(0, "{\"a\":\"<&>\"}");
            w.BlockStop(0);
        });
        Assert.Equal(
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\",\"input\":{}}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\\\"<&>\\\"}\"}}\n\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
            sse);
    }

    [Fact]
    public void Message_delta_stop_and_ping()
    {
        var sse = Write(w =>
        {
            w.Ping();
            w.MessageDelta("tool_use", null, new UsageCounts(3, 4, 0));
            w.MessageStop();
        });
        Assert.Equal(
            "event: ping\ndata: {\"type\":\"ping\"}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":3,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":4}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
            sse);
    }

    [Fact]
    public void The_error_event_has_the_anthropic_error_shape_with_readable_text()
    {
        // The one writer of the error shape (HTTP error bodies and stream error events of every forwarder).
        var buffer = new ArrayBufferWriter<byte>();
        AnthropicErrorJson.WriteEvent(buffer, new ApiException(529, "overloaded_error", "busy: \"qwen3\" <loading>"));
        Assert.Equal(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy: \\\"qwen3\\\" <loading>\"}}\n\n",
            Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Text_and_thinking_blocks_start_empty_and_carry_their_deltas()
    {
        var sse = Write(w =>
        {
            w.MessageStart("m", "x", default);
            w.BlockStart(0, "thinking", null, null);
            w.ThinkingDelta(0, "hmm");
            w.SignatureDelta(0, "sig");
            w.BlockStop(0);
            w.BlockStart(1, "text", null, null);
            w.TextDelta(1, "héllo \"quoted\"\n");
            w.BlockStop(1);
            w.MessageDelta("end_turn", null, default);
            w.MessageStop();
        });
        var summary = AnthropicSseGrammar.Check(sse);
        Assert.Equal("hmm", summary.Blocks[0].Text);
        Assert.Equal("sig", summary.Blocks[0].Signature);
        Assert.Equal("héllo \"quoted\"\n", summary.Blocks[1].Text);
    }

    [Fact]
    public void Grammar_checker_rejects_broken_streams()
    {
        // The helper is only useful if it fails on the bugs peers shipped.
        var twoOpen = Write(w =>
        {
            w.MessageStart("m", "x", default);
            w.BlockStart(0, "text", null, null);
            w.BlockStart(1, "text", null, null);
        });
        Assert.ThrowsAny<Exception>(() => AnthropicSseGrammar.Check(twoOpen));
        var emptyJson = Write(w =>
        {
            w.MessageStart("m", "x", default);
            w.BlockStart(0, "tool_use", "t", "n");
            w.InputJsonDelta(0, "");
        });
        Assert.ThrowsAny<Exception>(() => AnthropicSseGrammar.Check(emptyJson, requireComplete: false));
        var noStop = Write(w =>
        {
            w.MessageStart("m", "x", default);
            w.BlockStart(0, "text", null, null);
            w.TextDelta(0, "a");
            w.BlockStop(0);
        });
        Assert.ThrowsAny<Exception>(() => AnthropicSseGrammar.Check(noStop));
        var thinkingInText = Write(w =>
        {
            w.MessageStart("m", "x", default);
            w.BlockStart(0, "text", null, null);
            w.ThinkingDelta(0, "a");
        });
        Assert.ThrowsAny<Exception>(() => AnthropicSseGrammar.Check(thinkingInText, requireComplete: false));
        var doubleStart = Write(w =>
        {
            w.MessageStart("m", "x", default);
            w.MessageStart("m", "x", default);
        });
        Assert.ThrowsAny<Exception>(() => AnthropicSseGrammar.Check(doubleStart, requireComplete: false));
    }
}
