namespace AnyClaude.Proxy.Translation;

/// <summary>The backend stream ended without finishing (connection cut, no finish_reason) or reported an error.
/// Recoverable: one bad chunk (not JSON) that the rest of the stream can do without.</summary>
internal sealed class BackendStreamException(string message, bool recoverable = false) : Exception(message)
{
    public bool Recoverable { get; } = recoverable;
}
