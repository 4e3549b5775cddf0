using System.Buffers;
using System.Text.Json;

namespace AnyClaude.Proxy.Translation;

/// <summary>Writes Anthropic events as SSE frames ("event: T\ndata: {json}\n\n", T == data.type) to a buffer.
/// The host flushes the buffer to the client after each call it wants on the wire.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The Utf8JsonWriter only buffers into the caller's IBufferWriter (flushed after every event); it holds nothing to release.")]
internal sealed class SseEventWriter : IAnthropicEventSink
{
    private readonly IBufferWriter<byte> _output;
    private readonly Utf8JsonWriter _json;

    public SseEventWriter(IBufferWriter<byte> output)
    {
        _output = output;
        _json = new Utf8JsonWriter(output, ChatRequestTranslator.WriterOptions);
    }

    public void MessageStart(string id, string model, UsageCounts usage)
    {
        var w = Begin("event: message_start\ndata: "u8);
        w.WriteString("type", "message_start");
        w.WriteStartObject("message");
        w.WriteString("id", id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteStartArray("content");
        w.WriteEndArray();
        w.WriteString("model", model);
        w.WriteNull("stop_reason");
        w.WriteNull("stop_sequence");
        WriteUsage(w, usage);
        w.WriteEndObject();
        End();
    }

    public void BlockStart(int index, string kind, string? toolId, string? toolName)
    {
        var w = Begin("event: content_block_start\ndata: "u8);
        w.WriteString("type", "content_block_start");
        w.WriteNumber("index", index);
        w.WriteStartObject("content_block");
        w.WriteString("type", kind);
        switch (kind)
        {
            case "text":
                w.WriteString("text", "");
                break;
            case "thinking":
                w.WriteString("thinking", "");
                break;
            case "tool_use":
                w.WriteString("id", toolId);
                w.WriteString("name", toolName);
                w.WriteStartObject("input");
                w.WriteEndObject();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "expected text, thinking or tool_use");
        }
        w.WriteEndObject();
        End();
    }

    public void TextDelta(int index, string text) => Delta(index, s_textDelta, s_text, text);
    public void ThinkingDelta(int index, string thinking) => Delta(index, s_thinkingDelta, s_thinking, thinking);
    public void SignatureDelta(int index, string signature) => Delta(index, s_signatureDelta, s_signature, signature);
    public void InputJsonDelta(int index, string partialJson) => Delta(index, s_inputJsonDelta, s_partialJson, partialJson);
    // From UTF-8: the writer escapes it exactly as it escapes the same text as a string (StreamOutputDigestTests).
    public void TextDelta(int index, ReadOnlySpan<byte> utf8Text) => Delta(index, s_textDelta, s_text, utf8Text);
    public void ThinkingDelta(int index, ReadOnlySpan<byte> utf8Thinking) => Delta(index, s_thinkingDelta, s_thinking, utf8Thinking);

    // The names and fixed values of the per-chunk event, encoded once (ASCII: the same bytes WriteString(string) writes).
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText s_index = JsonEncodedText.Encode("index");
    private static readonly JsonEncodedText s_delta = JsonEncodedText.Encode("delta");
    private static readonly JsonEncodedText s_contentBlockDelta = JsonEncodedText.Encode("content_block_delta");
    private static readonly JsonEncodedText s_textDelta = JsonEncodedText.Encode("text_delta");
    private static readonly JsonEncodedText s_text = JsonEncodedText.Encode("text");
    private static readonly JsonEncodedText s_thinkingDelta = JsonEncodedText.Encode("thinking_delta");
    private static readonly JsonEncodedText s_thinking = JsonEncodedText.Encode("thinking");
    private static readonly JsonEncodedText s_signatureDelta = JsonEncodedText.Encode("signature_delta");
    private static readonly JsonEncodedText s_signature = JsonEncodedText.Encode("signature");
    private static readonly JsonEncodedText s_inputJsonDelta = JsonEncodedText.Encode("input_json_delta");
    private static readonly JsonEncodedText s_partialJson = JsonEncodedText.Encode("partial_json");

    public void BlockStop(int index)
    {
        var w = Begin("event: content_block_stop\ndata: "u8);
        w.WriteString("type", "content_block_stop");
        w.WriteNumber("index", index);
        End();
    }

    public void MessageDelta(string stopReason, string? stopSequence, UsageCounts usage)
    {
        var w = Begin("event: message_delta\ndata: "u8);
        w.WriteString("type", "message_delta");
        w.WriteStartObject("delta");
        w.WriteString("stop_reason", stopReason);
        if (stopSequence is null)
            w.WriteNull("stop_sequence");
        else
            w.WriteString("stop_sequence", stopSequence);
        w.WriteEndObject();
        WriteUsage(w, usage);
        End();
    }

    public void MessageStop()
    {
        var w = Begin("event: message_stop\ndata: "u8);
        w.WriteString("type", "message_stop");
        End();
    }

    public void Ping()
    {
        var w = Begin("event: ping\ndata: "u8);
        w.WriteString("type", "ping");
        End();
    }

    /// <summary>Usage in the Anthropic meaning: input_tokens excludes the cached prompt tokens.</summary>
    internal static void WriteUsage(Utf8JsonWriter w, UsageCounts usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", usage.InputTokens);
        w.WriteNumber("cache_creation_input_tokens", 0);
        w.WriteNumber("cache_read_input_tokens", usage.CachedTokens);
        w.WriteNumber("output_tokens", usage.OutputTokens);
        w.WriteEndObject();
    }

    private void Delta(int index, JsonEncodedText deltaType, JsonEncodedText field, string value)
    {
        var w = Begin("event: content_block_delta\ndata: "u8);
        w.WriteString(s_type, s_contentBlockDelta);
        w.WriteNumber(s_index, index);
        w.WriteStartObject(s_delta);
        w.WriteString(s_type, deltaType);
        w.WriteString(field, value);
        w.WriteEndObject();
        End();
    }

    private void Delta(int index, JsonEncodedText deltaType, JsonEncodedText field, ReadOnlySpan<byte> utf8Value)
    {
        var w = Begin("event: content_block_delta\ndata: "u8);
        w.WriteString(s_type, s_contentBlockDelta);
        w.WriteNumber(s_index, index);
        w.WriteStartObject(s_delta);
        w.WriteString(s_type, deltaType);
        w.WriteString(field, utf8Value);
        w.WriteEndObject();
        End();
    }

    private Utf8JsonWriter Begin(ReadOnlySpan<byte> eventLines)
    {
        _output.Write(eventLines);
        _json.Reset(_output);
        _json.WriteStartObject();
        return _json;
    }

    private void End()
    {
        _json.WriteEndObject();
        _json.Flush();
        _output.Write("\n\n"u8);
    }
}
