using System.Text.Encodings.Web;
using System.Text.Json;

namespace AnyClaude.FakeBackend.Chat;

/// <summary>A failure the real server would produce: an HTTP error with a body, or (Status null) a dropped connection.</summary>
internal sealed record FakeError(int? Status, string Body)
{
    // Quotes and backticks stay literal, as in json.dumps and JSON.stringify output.
    private static readonly JsonSerializerOptions s_relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>mlx_lm.server: an exception escaping do_POST (assert, validate_model_parameters) kills the connection without a reply.</summary>
    public static FakeError Drop() => new(null, "");

    /// <summary>mlx_lm.server's only error shape: {"error": "..."} (json.dumps, so ", " and ": " separators).</summary>
    public static FakeError Mlx(int status, string message) => new(status, "{\"error\": " + Q(message) + "}");

    /// <summary>LM Studio's OpenAI-style error object, as in its model_not_found answers.</summary>
    public static FakeError LmStudio(int status, string message, string? type = "invalid_request_error", string? param = null, string? code = null) =>
        new(status, "{\"error\":{\"message\":" + Q(message) + ",\"type\":" + Q(type)
            + ",\"param\":" + Q(param) + ",\"code\":" + Q(code) + "}}");

    /// <summary>LM Studio also answers some failures (prompt too long, template errors) with a plain string: {"error":"..."}.</summary>
    public static FakeError LmStudioString(int status, string message) => new(status, "{\"error\":" + Q(message) + "}");

    private static string Q(string? value) => JsonSerializer.Serialize(value, s_relaxed);
}
