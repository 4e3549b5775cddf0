using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AnyClaude.Proxy.Errors;

/// <summary>The one writer of the Anthropic error shape, <c>{"type":"error","error":{"type":T,"message":M}}</c>: the body
/// of an HTTP error (<c>Hosting/HttpResponder</c>) and the data of an SSE error event (<c>Hosting/SseResponse</c>).</summary>
internal static class AnthropicErrorJson
{
    // Readable messages: backticks and quotes in error text stay as they are (JSON bodies, never HTML).
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteBody(IBufferWriter<byte> output, ApiException error)
    {
        using var w = new Utf8JsonWriter(output, s_options);
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", error.ErrorType);
        w.WriteString("message", error.Message);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>"event: error\ndata: {body}\n\n".</summary>
    public static void WriteEvent(IBufferWriter<byte> output, ApiException error)
    {
        output.Write("event: error\ndata: "u8);
        WriteBody(output, error);
        output.Write("\n\n"u8);
    }
}
