using System.Diagnostics;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Observability;

/// <summary>The mutable record of a request in flight; frozen into a <see cref="RequestRecord"/> when it ends.</summary>
internal sealed class RecordDraft
{
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();

    public RecordDraft(string id, string path)
    {
        Id = id;
        Path = path;
    }

    public string Id { get; }
    public DateTimeOffset Time { get; } = DateTimeOffset.UtcNow;
    public string Path { get; }
    public BackendMode Mode { get; set; }
    public string? BackendUrl { get; set; }
    public string? RequestedModel { get; set; }
    public string? Model { get; set; }
    public bool Stream { get; set; }
    public int Status { get; set; } = 200;
    public TimeSpan? TimeToFirstToken { get; private set; }
    public int InputTokens { get; set; }
    public int OutputTokens { get; set; }
    /// <summary>Null while the backend reported no cached-token figure (LM Studio never does).</summary>
    public int? CachedTokens { get; set; }
    /// <summary>True once the token counts come from the backend's own usage report, not the proxy's estimate.</summary>
    public bool UsageReported { get; set; }
    public string? StopReason { get; set; }
    public string? Error { get; set; }
    public string? SessionId { get; set; }
    public RequestKind Kind { get; set; } = RequestKind.Main;
    public string? ConversationId { get; set; }
    public int? ContextWindow { get; set; }
    public int ElidedTokens { get; set; }
    public int ElidedBlocks { get; set; }
    public string? AgentId { get; set; }
    public string? Reason { get; set; }
    /// <summary>Trace-only (TraceLevel.Debug): the request and response bodies, already redacted.</summary>
    public string? RequestBody { get; set; }
    public string? ResponseBody { get; set; }
    /// <summary>Trace-only (TraceLevel.Replay and Debug): the client's own request body before translation, redacted JSON.</summary>
    public string? ClientRequestBody { get; set; }

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp);

    /// <summary>Marks the first output token (only the first call counts).</summary>
    public void MarkFirstToken() => TimeToFirstToken ??= Elapsed;

    public RequestRecord Freeze() => new()
    {
        Id = Id,
        Time = Time,
        Path = Path,
        Mode = Mode,
        BackendUrl = BackendUrl,
        RequestedModel = RequestedModel,
        Model = Model,
        Stream = Stream,
        Status = Status,
        TimeToFirstToken = TimeToFirstToken,
        Duration = Elapsed,
        InputTokens = InputTokens,
        OutputTokens = OutputTokens,
        CachedTokens = CachedTokens,
        StopReason = StopReason,
        Error = Error,
        SessionId = SessionId,
        Kind = Kind,
        ConversationId = ConversationId,
        AgentId = AgentId,
        Reason = Reason,
        UsageReported = UsageReported,
        ContextWindow = ContextWindow,
        ElidedTokens = ElidedTokens,
        ElidedBlocks = ElidedBlocks,
    };
}
