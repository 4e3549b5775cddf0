using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Proxy.Backends;

/// <summary>Turns backend failures into Anthropic-shaped errors that say what went wrong and where.</summary>
internal static class BackendErrors
{
    /// <summary>Connection refused, DNS failure, reset before the response: the backend is not there.</summary>
    public static ApiException Unreachable(BackendSettings backend, Exception cause)
    {
        if (BackendTrust.IsCertificateFailure(cause)) return CertificateRefused(backend, cause);
        var reason = cause is HttpRequestException { InnerException: SocketException se } ? se.SocketErrorCode.ToString() : cause.Message;
        return new ApiException(500, "api_error",
            $"{BackendNames.Display(backend.Mode)} is not reachable at {backend.BaseUrl} ({reason}). {BackendNames.StartAdvice(backend)}",
            cause);
    }

    /// <summary>The TLS handshake failed on the server's certificate: name the URL and the setting that fixes it.</summary>
    public static ApiException CertificateRefused(BackendSettings backend, Exception cause)
    {
        var mode = ModeNames.ToEnvironmentName(backend.Mode);
        var trusted = backend.CaCertificate is { } ca ? $" It is not signed by the certificates in {ca} either." : "";
        return new ApiException(502, "api_error",
            $"The TLS certificate of {BackendNames.Display(backend.Mode)} at {backend.BaseUrl} was refused: {BackendTrust.Reason(cause)}.{trusted} " +
            $"If the server uses your team's own CA or a self-signed certificate, set \"backends.{mode}.caCertificate\" in the AnyClaude config file " +
            $"(or Set-AnyClaudeMode {backend.Mode} -CaCertificate <file.pem>) to that CA's PEM file; if the host name does not match the certificate, use the name it was issued for. " +
            "Certificate checks are never switched off.",
            cause);
    }

    public static ApiException Stalled(BackendSettings backend, TimeSpan stall) =>
        new(504, "timeout_error",
            $"{BackendNames.Display(backend.Mode)} at {backend.BaseUrl} sent nothing for {stall.TotalSeconds:0.#} s; the request was abandoned.");

    public static ApiException ClosedEarly(BackendSettings backend) =>
        new(500, "api_error", $"{BackendNames.Display(backend.Mode)} at {backend.BaseUrl} closed the stream early (no finish_reason); the answer is incomplete.");

    /// <summary>The standard context-limit message Claude Code parses to lower max_tokens by itself.</summary>
    public static ApiException ContextLimit(int inputTokens, int maxTokens, int contextWindow) =>
        ApiException.InvalidRequest(
            $"input length and `max_tokens` exceed context limit: {inputTokens} + {maxTokens} > {contextWindow}, decrease input length or `max_tokens` and try again");

    /// <summary>A 4xx/5xx from the backend, carrying its own message.</summary>
    public static ApiException FromStatus(BackendSettings backend, int status, ReadOnlySpan<byte> body, int inputTokens, int maxTokens)
    {
        // A server may echo the credential it refused ("Incorrect API key provided: …"); the message goes to
        // Claude Code, which holds only the data-plane token, and to the records.
        var message = Security.SecretRedactor.RedactLiterals(ExtractMessage(body) ?? $"HTTP {status}", [backend.ApiKey, .. backend.Headers.Values]);
        if (IsContextOverflow(message))
        {
            var window = ParseContextWindow(message) ?? backend.ContextWindow;
            if (window is { } c) return ContextLimit(inputTokens, maxTokens, c);
            return ApiException.InvalidRequest($"input length and `max_tokens` exceed context limit ({BackendNames.Display(backend.Mode)}: {message})");
        }
        var (anthropicStatus, type) = Map(status);
        return new ApiException(anthropicStatus, type, $"{BackendNames.Display(backend.Mode)} ({backend.BaseUrl}) returned HTTP {status}: {message}");
    }

    internal static (int Status, string Type) Map(int status) => status switch
    {
        400 or 422 => (400, "invalid_request_error"),
        401 => (401, "authentication_error"),
        403 => (403, "permission_error"),
        404 => (404, "not_found_error"),
        413 => (413, "request_too_large"),
        429 => (429, "rate_limit_error"),
        503 or 529 => (status, "overloaded_error"),
        504 => (504, "timeout_error"),
        >= 500 => (status, "api_error"),
        _ => (400, "invalid_request_error"),
    };

    /// <summary>LM Studio / OpenAI {"error":{"message":M}}, mlx_lm {"error":"M"}, or {"message":M}; else the text itself.</summary>
    public static string? ExtractMessage(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) return null;
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.String) return error.GetString();
                    if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                        return m.GetString();
                }
                if (root.TryGetProperty("message", out var msg) && msg.ValueKind == JsonValueKind.String) return msg.GetString();
                if (root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String) return detail.GetString();
            }
        }
        catch (JsonException)
        {
        }
        var text = System.Text.Encoding.UTF8.GetString(body.Length > 2000 ? body[..2000] : body).Trim();
        return text.Length == 0 ? null : text;
    }

    /// <summary>LM Studio ("context length of only N tokens", "greater than the context length"), llama.cpp
    /// ("exceeds the available context size"), vLLM ("maximum context length is N tokens").</summary>
    internal static bool IsContextOverflow(string message)
    {
        // mlx_lm.server --max-prompt-tokens: "Prompt exceeds max prompt token limit: prompt_tokens=N, max_prompt_tokens=M".
        if (message.Contains("max prompt token", StringComparison.OrdinalIgnoreCase)) return true;
        if (message.IndexOf("context", StringComparison.OrdinalIgnoreCase) < 0) return false;
        return message.Contains("overflow", StringComparison.OrdinalIgnoreCase)
            || message.Contains("exceed", StringComparison.OrdinalIgnoreCase)
            || message.Contains("greater than the context", StringComparison.OrdinalIgnoreCase)
            || message.Contains("maximum context length", StringComparison.OrdinalIgnoreCase)
            || message.Contains("not enough", StringComparison.OrdinalIgnoreCase);
    }

    internal static int? ParseContextWindow(string message)
    {
        foreach (var marker in s_windowMarkers)
        {
            var at = message.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
            if (at < 0) continue;
            var i = at + marker.Length;
            while (i < message.Length && !char.IsAsciiDigit(message[i]) && i - (at + marker.Length) < 12) i++;
            var start = i;
            while (i < message.Length && char.IsAsciiDigit(message[i])) i++;
            if (i > start && int.TryParse(message.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                return n;
        }
        return null;
    }

    private static readonly string[] s_windowMarkers =
    [
        "context length of only", "maximum context length is", "max_prompt_tokens=", "context length of", "n_ctx", "context size",
    ];
}
