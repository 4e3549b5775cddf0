namespace AnyClaude.Proxy.Translation;

/// <summary>OpenAI Chat Completions stream chunks → Anthropic events, one response at a time. Not thread-safe:
/// the host serialises calls (chunks and pings come from one loop).</summary>
internal sealed class ChatStreamTranslator
{
    // STUB — the translation work replaces this file.
    public ChatStreamTranslator(IAnthropicEventSink sink) => _ = sink;

    /// <summary>Emits message_start (host calls it as soon as the request is accepted).</summary>
    public void Start(string messageId, string model, int inputTokens) => throw new NotImplementedException();

    /// <summary>One SSE data payload (the JSON after "data: "; never "[DONE]").</summary>
    public void OnChunk(ReadOnlySpan<byte> json) => throw new NotImplementedException();

    /// <summary>True once any text/thinking/tool output has been emitted (time to first token).</summary>
    public bool HasOutput => throw new NotImplementedException();

    /// <summary>True once a finish_reason has been seen.</summary>
    public bool Finished => throw new NotImplementedException();

    /// <summary>At end of the backend stream: closes the open block, sends message_delta and message_stop.
    /// Throws BackendStreamException (no finish_reason seen) so the host sends an error event instead.</summary>
    public void Complete() => throw new NotImplementedException();

    public UsageCounts Usage => throw new NotImplementedException();
    public string? StopReason => throw new NotImplementedException();
}

/// <summary>The backend stream ended without finishing (connection cut, no finish_reason).</summary>
internal sealed class BackendStreamException(string message) : Exception(message);
