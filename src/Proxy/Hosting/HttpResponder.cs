using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Proxy.Hosting;

/// <summary>Writes whole (non-streaming) responses: JSON bodies and Anthropic-shaped errors.</summary>
internal static class HttpResponder
{
    /// <summary>Stores the request's record first, so a client that has read the whole answer finds it in the history.</summary>
    public static async Task WriteJsonAsync(RequestScope scope, int status, ReadOnlyMemory<byte> json, CancellationToken ct)
    {
        scope.Record.Status = status;
        scope.Commit();
        var response = scope.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = json.Length;
        await response.WriteAsync(json, ct).ConfigureAwait(false);
        response.Close();
    }

    // Readable messages: backticks and quotes in error text stay as they are (JSON bodies, never HTML).
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task WriteJsonAsync(RequestScope scope, int status, Action<Utf8JsonWriter> write, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, s_options)) write(w);
        return WriteJsonAsync(scope, status, buffer.WrittenMemory, ct);
    }

    public static Task WriteErrorAsync(RequestScope scope, ApiException error, CancellationToken ct)
    {
        // The one place the retry hint is written: Claude Code reads x-should-retry before the status.
        if (error.ShouldRetry is { } retry) scope.Response.SetHeader("x-should-retry", retry ? "true" : "false");
        if (error.RetryAfter is { } after) scope.Response.SetHeader("Retry-After", after);
        var body = new ArrayBufferWriter<byte>(256);
        AnthropicErrorJson.WriteBody(body, error);
        return WriteJsonAsync(scope, error.Status, body.WrittenMemory, ct);
    }

    public static void WriteEmpty(IClientResponse response, int status)
    {
        response.StatusCode = status;
        response.ContentLength = 0;
        response.Close();
    }
}
