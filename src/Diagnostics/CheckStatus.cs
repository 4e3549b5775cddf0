namespace AnyClaude.Diagnostics;

/// <summary>The outcome of one diagnostic check.</summary>
public enum CheckStatus
{
    Passed,
    Failed,
    /// <summary>Works, but something will hurt (context too small, cache not reporting hits).</summary>
    Warning,
    /// <summary>Not applicable to this mode (tool calls in an analysis-only mode) or blocked by an earlier failure.</summary>
    Skipped,
}
