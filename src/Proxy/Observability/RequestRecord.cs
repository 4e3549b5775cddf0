using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Observability;

/// <summary>What one request through the proxy did. Immutable; kept in a bounded history.</summary>
public sealed record RequestRecord
{
    public required string Id { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required string Path { get; init; }
    public BackendMode Mode { get; init; }
    public string? BackendUrl { get; init; }
    /// <summary>The model the client asked for.</summary>
    public string? RequestedModel { get; init; }
    /// <summary>The model the backend was asked for.</summary>
    public string? Model { get; init; }
    public bool Stream { get; init; }
    /// <summary>HTTP status sent to the client (an error event inside a 200 stream keeps 200 but sets Error).</summary>
    public int Status { get; init; }
    public TimeSpan? TimeToFirstToken { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>Uncached prompt tokens (Anthropic meaning: excludes cached ones).</summary>
    public int InputTokens { get; init; }
    public int OutputTokens { get; init; }
    /// <summary>Prompt tokens the backend served from its cache; null when the backend reports none (LM Studio).</summary>
    public int? CachedTokens { get; init; }
    /// <summary>True when InputTokens/OutputTokens/CachedTokens are the backend's own figures; false when they are
    /// the proxy's estimate (a request that failed before the backend reported usage processed nothing we know of).</summary>
    public bool UsageReported { get; init; }
    public string? StopReason { get; init; }
    public string? Error { get; init; }
    /// <summary>Claude Code's X-Claude-Code-Session-Id, when sent.</summary>
    public string? SessionId { get; init; }
    /// <summary>What the request is for: Main, Background, SubAgent, Probe, CountTokens, Prewarm.</summary>
    public RequestKind Kind { get; init; }
    /// <summary>A short hash of the conversation's system prompt and first message (same conversation, same id).</summary>
    public string? ConversationId { get; init; }
    /// <summary>The backend's context window the request was fitted to; null when unknown.</summary>
    public int? ContextWindow { get; init; }
    /// <summary>Prompt tokens the context policy elided to fit the window (0: nothing was cut).</summary>
    public int ElidedTokens { get; init; }
    /// <summary>Content blocks (tool results, re-attached files, thinking) replaced by an elision marker.</summary>
    public int ElidedBlocks { get; init; }
    /// <summary>Claude Code's x-claude-code-agent-id: the sub-agent a SubAgent request belongs to (its parent session is SessionId).</summary>
    public string? AgentId { get; init; }
    /// <summary>Why the proxy sent a Prewarm request: ModelSwitch, WarmStart, Resume, AfterSubAgent.</summary>
    public string? Reason { get; init; }
}
