using AnyClaude.Diagnostics;

namespace AnyClaude.Cmdlets.Diagnostics;

/// <summary>The outcome of one check (mirrors the engine's, so the emitted type lives in this assembly).</summary>
public enum BackendCheckStatus
{
    Passed,
    Failed,
    Warning,
    Skipped,
}

/// <summary>One check of one backend, as Test-AnyClaudeBackend emits it. Duration is in milliseconds.</summary>
public sealed class BackendCheck
{
    public required string Mode { get; init; }
    public required string Check { get; init; }
    public required BackendCheckStatus Status { get; init; }
    public required string Detail { get; init; }
    /// <summary>What to do when Status is not Passed; null when there is nothing to do.</summary>
    public string? Advice { get; init; }
    /// <summary>Milliseconds the check took.</summary>
    public double Duration { get; init; }

    internal static BackendCheck From(CheckResult r) => new()
    {
        Mode = r.Mode.ToString(),
        Check = r.Check,
        Status = (BackendCheckStatus)(int)r.Status,
        Detail = r.Detail,
        Advice = r.Advice,
        Duration = Math.Round(r.Duration.TotalMilliseconds, 1),
    };

    public override string ToString() => $"{Mode} {Check}: {Status}";
}
