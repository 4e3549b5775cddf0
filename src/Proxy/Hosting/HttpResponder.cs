using System.Buffers;
using System.Net;
using System.Text.Json;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Proxy.Hosting;

/// <summary>Writes whole (non-streaming) responses: JSON bodies and Anthropic-shaped errors.</summary>
internal static class HttpResponder
{
    public static async Task WriteJsonAsync(HttpListenerResponse response, int status, ReadOnlyMemory<byte> json, CancellationToken ct)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = json.Length;
        await response.OutputStream.WriteAsync(json, ct).ConfigureAwait(false);
        response.Close();
    }

    public static Task WriteJsonAsync(HttpListenerResponse response, int status, Action<Utf8JsonWriter> write, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer)) write(w);
        return WriteJsonAsync(response, status, buffer.WrittenMemory, ct);
    }

    public static Task WriteErrorAsync(HttpListenerResponse response, ApiException error, CancellationToken ct) =>
        WriteJsonAsync(response, error.Status, w => WriteErrorBody(w, error.ErrorType, error.Message), ct);

    /// <summary>{"type":"error","error":{"type":T,"message":M}} — the body of HTTP errors and of SSE error events.</summary>
    public static void WriteErrorBody(Utf8JsonWriter w, string errorType, string message)
    {
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", errorType);
        w.WriteString("message", message);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static void WriteEmpty(HttpListenerResponse response, int status)
    {
        response.StatusCode = status;
        response.ContentLength64 = 0;
        response.Close();
    }
}
