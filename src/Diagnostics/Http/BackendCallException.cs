namespace AnyClaude.Diagnostics.Http;

/// <summary>A diagnostic call failed: unreachable (Status 0), timed out (Status 0) or answered with an HTTP error.</summary>
internal sealed class BackendCallException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
    public bool Unreachable => Status == 0;
}
