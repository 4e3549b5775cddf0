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

    public static ApiException InvalidRequest(string message) => new(400, "invalid_request_error", message);
}
