using AnyClaude.Proxy.Observability;

namespace AnyClaude.Cmdlets;

/// <summary>One request that went through the proxy.</summary>
public sealed class RequestInfo
{
    public required string Id { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required string Path { get; init; }
    public required string Mode { get; init; }
    public string? BackendUrl { get; init; }
    /// <summary>The model Claude Code asked for.</summary>
    public string? RequestedModel { get; init; }
    /// <summary>The model the backend was asked for.</summary>
    public string? Model { get; init; }
    public bool Stream { get; init; }
    public int Status { get; init; }
    public TimeSpan? TimeToFirstToken { get; init; }
    public TimeSpan Duration { get; init; }
    public int InputTokens { get; init; }
    public int OutputTokens { get; init; }
    public int CachedTokens { get; init; }
    public string? StopReason { get; init; }
    public string? Error { get; init; }
    public string? SessionId { get; init; }
    /// <summary>The pwsh process whose proxy served the request (Get-AnyClaude -All -Request merges several).</summary>
    public int? ProxyId { get; init; }
    /// <summary>The port of the proxy that served the request.</summary>
    public int? Port { get; init; }

    internal static RequestInfo From(RequestRecord r, int? proxyId = null, int? port = null) => new()
    {
        ProxyId = proxyId,
        Port = port,
        Id = r.Id,
        Time = r.Time,
        Path = r.Path,
        Mode = r.Mode.ToString(),
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
        StopReason = r.StopReason,
        Error = r.Error,
        SessionId = r.SessionId,
    };
}
