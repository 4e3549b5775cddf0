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
        // Not retryable: Claude Code would otherwise retry for ~3 minutes before showing this.
        return ApiException.Permanent(
            $"{BackendNames.Display(backend.Mode)} is not reachable at {backend.BaseUrl} ({reason}). {BackendNames.StartAdvice(backend)}",
            cause);
    }

    /// <summary>The TLS handshake failed on the server's certificate: name the URL and the setting that fixes it.</summary>
    public static ApiException CertificateRefused(BackendSettings backend, Exception cause)
    {
        var mode = ModeNames.ToEnvironmentName(backend.Mode);
        var trusted = backend.CaCertificate is { } ca ? $" It is not signed by the certificates in {ca} either." : "";
        return ApiException.Permanent(
            $"The TLS certificate of {BackendNames.Display(backend.Mode)} at {backend.BaseUrl} was refused: {BackendTrust.Reason(cause)}.{trusted} " +
            $"If the server uses your team's own CA or a self-signed certificate, set \"backends.{mode}.caCertificate\" in the AnyClaude config file " +
            $"(or Set-AnyClaudeMode {backend.Mode} -CaCertificate <file.pem>) to that CA's PEM file; if the host name does not match the certificate, use the name it was issued for. " +
            "Certificate checks are never switched off.",
            cause);
    }

    public static ApiException Stalled(BackendSettings backend, TimeSpan stall) =>
        new(504, "timeout_error",
            $"{BackendNames.Display(backend.Mode)} at {backend.BaseUrl} sent nothing for {stall.TotalSeconds:0.#} s; the request was abandoned.");

    /// <summary>The stream ended without its last event: missing is what never came (finish_reason for OpenAI-style
    /// streams, stop_reason for the Messages API).</summary>
    public static ApiException ClosedEarly(BackendSettings backend, string missing = "finish_reason") =>
        new(500, "api_error", $"{BackendNames.Display(backend.Mode)} at {backend.BaseUrl} closed the stream early (no {missing}); the answer is incomplete.");

    /// <summary>The prompt alone does not fit: Anthropic's own wording, which Claude Code recognises as "prompt is too long"
    /// (its check: the message contains that phrase; it reads "N tokens > M" for the gap) and answers by compacting the
    /// conversation. A + B > C would only make it lower max_tokens, which cannot help.</summary>
    public static ApiException PromptTooLong(int promptTokens, int contextWindow, BackendSettings backend) =>
        ApiException.InvalidRequest(
            $"prompt is too long: {promptTokens} tokens > {contextWindow} maximum ({BackendNames.Display(backend.Mode)} at {backend.BaseUrl} " +
            $"serves the model with a context window of {contextWindow} tokens; compact the conversation with /compact, or load the model with a larger context length)");

    /// <summary>A prompt the context policy could not make fit: what is left after every cut (system prompt, tools and
    /// the newest message) is bigger than the window. Same opening as <see cref="PromptTooLong"/>, which Claude Code parses.</summary>
    public static ApiException NothingToCut(int promptTokens, int contextWindow, BackendSettings backend) =>
        ApiException.InvalidRequest(
            $"prompt is too long: {promptTokens} tokens > {contextWindow} maximum ({BackendNames.Display(backend.Mode)} at {backend.BaseUrl} " +
            $"serves the model with a context window of {contextWindow} tokens, and AnyClaude elided every older tool result and file it could: " +
            "the system prompt, the tools and the newest message alone do not fit. Send a shorter message (or attach less), " +
            "or load the model with a larger context length and set it with the mode's contextWindow)");

    /// <summary>The TCP connect did not complete within the connect timeout: a backend that is overloaded, paused
    /// or behind a firewall that drops packets. Not the client hanging up.</summary>
    public static ApiException ConnectTimedOut(BackendSettings backend, TimeSpan timeout) =>
        new(504, "timeout_error",
            $"{BackendNames.Display(backend.Mode)} at {backend.BaseUrl} did not accept the connection within {timeout.TotalSeconds:0.#} s (the server is busy, paused, or a firewall drops the connection).");

    /// <summary>The backend accepted the connection, then closed it (or answered garbage) before a response head:
    /// it is running, so "start the server" would point the wrong way.</summary>
    public static ApiException ClosedBeforeAnswer(BackendSettings backend, HttpRequestException cause) =>
        ApiException.Permanent(
            $"{BackendNames.Display(backend.Mode)} at {backend.BaseUrl} accepted the request but closed the connection without answering ({cause.HttpRequestError}). "
            + "The server is running; its log says why (mlx_lm.server drops the connection on some invalid requests; a crash or an out-of-memory model load does the same).",
            cause);

    /// <summary>Picks the accurate message for a failed send: nothing listening, connect timeout, or closed after accepting.
    /// Null when the failure is ours (the request was cancelled).</summary>
    public static ApiException? FromSendFailure(BackendSettings backend, Exception e, TimeSpan connectTimeout) => e switch
    {
        OperationCanceledException { InnerException: TimeoutException } => ConnectTimedOut(backend, connectTimeout),
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse } h => ClosedBeforeAnswer(backend, h),
        HttpRequestException h => Unreachable(backend, h),
        _ => null,
    };

    /// <summary>What went wrong inside a stream, said as it is (bad chunk, invalid UTF-8, error object, early end).</summary>
    public static ApiException StreamFailed(BackendSettings backend, string what) =>
        new(500, "api_error", $"{BackendNames.Display(backend.Mode)} at {backend.BaseUrl}: {what}.");

    /// <summary>A non-streaming body that is not valid UTF-8.</summary>
    public static ApiException InvalidUtf8(BackendSettings backend) =>
        new(500, "api_error", $"{BackendNames.Display(backend.Mode)} at {backend.BaseUrl} sent a response that is not valid UTF-8; the answer cannot be read.");

    /// <summary>The standard context-limit message Claude Code parses to lower max_tokens by itself.</summary>
    public static ApiException ContextLimit(int inputTokens, int maxTokens, int contextWindow) =>
        ApiException.InvalidRequest(
            $"input length and `max_tokens` exceed context limit: {inputTokens} + {maxTokens} > {contextWindow}, decrease input length or `max_tokens` and try again");

    /// <summary>A 4xx/5xx from the backend, carrying its own message. Conditions a retry cannot fix (credentials,
    /// missing model, a failure on this very request) are answered so Claude Code shows them at once; a busy
    /// backend (429, 503, 529) stays retryable, with its Retry-After.</summary>
    public static ApiException FromStatus(BackendSettings backend, int status, ReadOnlySpan<byte> body, int inputTokens, int maxTokens,
        string? model = null, string? retryAfter = null)
    {
        // A server may echo the credential it refused ("Incorrect API key provided: …"); the message goes to
        // Claude Code, which holds only the data-plane token, and to the records.
        var message = Security.SecretRedactor.RedactLiterals(ExtractMessage(body) ?? $"HTTP {status}", [backend.ApiKey, .. backend.Headers.Values]);
        if (IsContextOverflow(message))
        {
            // The backend's own prompt count when it gives one (LM Studio, llama-server, mlx_lm.server), else our estimate.
            var (prompt, promptWindow) = ParsePromptOverflow(message, body);
            if (prompt is { } p && promptWindow is { } w && p >= w) return PromptTooLong(p, w, backend);
            var window = promptWindow ?? ParseContextWindow(message) ?? backend.ContextWindow;
            if (window is { } c && inputTokens >= c) return PromptTooLong(inputTokens, c, backend);
            if (window is { } c2) return ContextLimit(inputTokens, maxTokens, c2);
            return ApiException.InvalidRequest($"input length and `max_tokens` exceed context limit ({BackendNames.Display(backend.Mode)}: {message})");
        }
        var said = $"{BackendNames.Display(backend.Mode)} ({backend.BaseUrl}) returned HTTP {status}: {message}";
        switch (status)
        {
            case 401 or 403:
                // Never 401/403 to Claude Code: it reads those as its own login failing ("Please run /login") and retries.
                return ApiException.Permanent($"{said}. {BackendNames.CredentialAdvice(backend)}");
            case 404 or 500:
                // 404: Claude Code would blame the Claude model it selected and drop this message. 500: a template
                // error, a model that failed to load or crashed on this prompt: retrying repeats it.
                return ApiException.Permanent($"{said}. {BackendNames.ModelAdvice(backend, model)}");
        }
        var (anthropicStatus, type) = Map(status);
        return new ApiException(anthropicStatus, type, said)
        {
            RetryAfter = status is 429 or 503 or 529 ? retryAfter : null,
            // Other 4xx are not retried by Claude Code anyway; say so, for clients that would.
            ShouldRetry = anthropicStatus is >= 400 and < 500 and not (408 or 409 or 429) ? false : null,
        };
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

    /// <summary>How many tokens the backend counted for the prompt and the most it accepts, when its error says so:
    /// llama-server's exceed_context_size_error JSON (n_prompt_tokens, n_ctx), LM Studio's "(n_keep: N>= n_ctx: M)"
    /// and older "Trying to keep the first N tokens … context length of only M tokens", mlx_lm.server's
    /// "prompt_tokens=N, max_prompt_tokens=M".</summary>
    internal static (int? Prompt, int? Window) ParsePromptOverflow(string message, ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("n_prompt_tokens", out var n) && n.TryGetInt32(out var prompt)
                && error.TryGetProperty("n_ctx", out var c) && c.TryGetInt32(out var ctx))
                return (prompt, ctx);
        }
        catch (JsonException)
        {
        }
        foreach (var (promptMarker, windowMarker) in s_promptMarkers)
        {
            var prompt = NumberAfter(message, promptMarker);
            var window = NumberAfter(message, windowMarker);
            if (prompt is not null && window is not null) return (prompt, window);
        }
        return (null, null);
    }

    private static readonly (string Prompt, string Window)[] s_promptMarkers =
    [
        ("n_keep:", "n_ctx:"),
        ("keep the first", "context length of only"),
        ("prompt_tokens=", "max_prompt_tokens="),
        ("request (", "context size ("),
    ];

    private static int? NumberAfter(string message, string marker)
    {
        var at = message.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
        if (at < 0) return null;
        var i = at + marker.Length;
        while (i < message.Length && message[i] == ' ') i++;
        var start = i;
        while (i < message.Length && char.IsAsciiDigit(message[i])) i++;
        return i > start && int.TryParse(message.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
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
