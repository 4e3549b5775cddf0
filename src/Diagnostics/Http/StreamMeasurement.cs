namespace AnyClaude.Diagnostics.Http;

/// <summary>What one streamed completion looked like from the client side, in either protocol.</summary>
internal sealed class StreamMeasurement
{
    /// <summary>From sending the request to the first text, reasoning or tool-call fragment.</summary>
    public TimeSpan? TimeToFirstToken { get; set; }
    public TimeSpan Duration { get; set; }
    /// <summary>All prompt tokens, cached ones included.</summary>
    public int PromptTokens { get; set; }
    public int CachedTokens { get; set; }
    public int OutputTokens { get; set; }
    public bool UsageReported { get; set; }
    /// <summary>The usage carried a cached-token count (even 0): the backend reports its cache hits.</summary>
    public bool CachedTokensReported { get; set; }
    public System.Text.StringBuilder Text { get; } = new();
    public List<SeenToolCall> ToolCalls { get; } = [];
    /// <summary>finish_reason (OpenAI) or stop_reason (Anthropic).</summary>
    public string? FinishReason { get; set; }
    /// <summary>True when the stream ended the way its protocol says a complete response ends.</summary>
    public bool Completed { get; set; }
    /// <summary>An error reported inside the stream.</summary>
    public string? Error { get; set; }
    /// <summary>The proxy's request-id response header (its record's id), when it sent one.</summary>
    public string? RequestId { get; set; }
    /// <summary>Anthropic event names in arrival order (grammar checks).</summary>
    public List<string> Events { get; } = [];
}

/// <summary>A tool call as the client saw it, arguments reassembled.</summary>
internal sealed class SeenToolCall
{
    public string? Id { get; set; }
    public string Name { get; set; } = "";
    public System.Text.StringBuilder Arguments { get; } = new();
}
