using AnyClaude.Proxy.Observability;

namespace AnyClaude.Cmdlets;

/// <summary>One request that went through the proxy.</summary>
public sealed class RequestInfo
{
    public required string Id { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required string Path { get; init; }
    public required string Mode { get; init; }
    /// <summary>Main, Background, SubAgent, Probe, CountTokens, Prewarm or Compaction (Claude Code's summary request).</summary>
    public string Kind { get; init; } = nameof(RequestKind.Main);
    /// <summary>A short hash of the conversation's system prompt and first message.</summary>
    public string? ConversationId { get; init; }
    /// <summary>The sub-agent (Claude Code's x-claude-code-agent-id) a SubAgent request belongs to.</summary>
    public string? AgentId { get; init; }
    /// <summary>Why the proxy sent a Prewarm request: ModelSwitch, WarmStart, Resume or AfterSubAgent.</summary>
    public string? Reason { get; init; }
    public string? BackendUrl { get; init; }
    /// <summary>The model Claude Code asked for.</summary>
    public string? RequestedModel { get; init; }
    /// <summary>The model the backend was asked for.</summary>
    public string? Model { get; init; }
    public bool Stream { get; init; }
    public int Status { get; init; }
    public TimeSpan? TimeToFirstToken { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>Uncached prompt tokens (all prompt tokens when the backend reports no cached ones).</summary>
    public int InputTokens { get; init; }
    public int OutputTokens { get; init; }
    /// <summary>Prompt tokens served from the backend's cache; $null when the backend reports none (LM Studio).</summary>
    public int? CachedTokens { get; init; }
    /// <summary>CachedTokens / all prompt tokens; $null when the backend reports no cached tokens.</summary>
    public double? CacheHitRatio { get; init; }
    /// <summary>An estimate from prompt-processing time (not a backend figure), only where CachedTokens is $null.</summary>
    public int? EstimatedCachedTokens { get; init; }
    /// <summary>Why CachedTokens is $null, when it is.</summary>
    public string? CacheNote { get; init; }
    /// <summary>True when the token figures are the backend's own; false for the proxy's estimate.</summary>
    public bool UsageReported { get; init; }
    public string? StopReason { get; init; }
    public string? Error { get; init; }
    public string? SessionId { get; init; }
    /// <summary>The backend's context window the request was fitted to; $null when unknown.</summary>
    public int? ContextWindow { get; init; }
    /// <summary>Prompt tokens the context policy elided to fit the window (0: nothing was cut).</summary>
    public int ElidedTokens { get; init; }
    /// <summary>Content blocks (older tool results, re-attached files, thinking) replaced by an elision marker.</summary>
    public int ElidedBlocks { get; init; }
    /// <summary>The pwsh process whose proxy served the request (Get-AnyClaude -All -Request merges several).</summary>
    public int? ProxyId { get; init; }
    /// <summary>The port of the proxy that served the request.</summary>
    public int? Port { get; init; }

    internal static RequestInfo From(RequestRecord r, int? proxyId = null, int? port = null, int? estimatedCachedTokens = null) => new()
    {
        ProxyId = proxyId,
        Port = port,
        Id = r.Id,
        Time = r.Time,
        Path = r.Path,
        Mode = r.Mode.ToString(),
        Kind = r.Kind.ToString(),
        ConversationId = r.ConversationId,
        AgentId = r.AgentId,
        Reason = r.Reason,
        BackendUrl = r.BackendUrl,
        RequestedModel = r.RequestedModel,
        Model = r.Model,
        Stream = r.Stream,
        Status = r.Status,
        TimeToFirstToken = r.TimeToFirstToken,
        Duration = r.Duration,
        InputTokens = r.InputTokens,
        OutputTokens = r.OutputTokens,
        CachedTokens = r.CachedTokens,
        CacheHitRatio = r.CachedTokens is { } c && r.InputTokens + c > 0 ? (double)c / (r.InputTokens + c) : null,
        EstimatedCachedTokens = r.CachedTokens is null ? estimatedCachedTokens : null,
        CacheNote = r.CachedTokens is null && r.BackendUrl is not null && r.Kind is not RequestKind.CountTokens
            ? "The backend reported no cached tokens (LM Studio never does); EstimatedCachedTokens is inferred from prompt-processing time."
            : null,
        UsageReported = r.UsageReported,
        StopReason = r.StopReason,
        Error = r.Error,
        SessionId = r.SessionId,
        ContextWindow = r.ContextWindow,
        ElidedTokens = r.ElidedTokens,
        ElidedBlocks = r.ElidedBlocks,
    };
}
