namespace AnyClaude.Proxy.Errors;

/// <summary>
/// A failure to report to the client in the Anthropic error shape:
/// <c>{"type":"error","error":{"type":ErrorType,"message":Message}}</c> with <see cref="Status"/>.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(int status, string errorType, string message, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
        ErrorType = errorType;
    }

    public int Status { get; }

    /// <summary>invalid_request_error, authentication_error, permission_error, not_found_error,
    /// request_too_large, rate_limit_error, api_error, overloaded_error, timeout_error.</summary>
    public string ErrorType { get; }

    /// <summary>Sent as <c>x-should-retry</c>, the header Claude Code (and the Anthropic SDKs) consult before the
    /// status: false for conditions no retry can fix (backend down, misconfigured, rejecting our credentials), so
    /// Claude Code shows the message at once instead of retrying ten times over ~3 minutes; null leaves the
    /// status to decide (408, 409, 429 and 5xx are retried).</summary>
    public bool? ShouldRetry { get; init; }

    /// <summary>A backend's Retry-After, passed on with a retryable 429/503.</summary>
    public string? RetryAfter { get; init; }

    public static ApiException InvalidRequest(string message) => new(400, "invalid_request_error", message);

    /// <summary>A failure of the backend or the proxy's setup that retrying cannot fix: 502 with x-should-retry: false
    /// (checked with the real CLIs: one request, the message shown at once; a 4xx would not show it as reliably,
    /// a 401/403 would read as Claude Code's own login failing, a 404 as a wrong Claude model).</summary>
    public static ApiException Permanent(string message, Exception? inner = null) =>
        new(502, "api_error", message, inner) { ShouldRetry = false };
}
