namespace AnyClaude.Diagnostics;

/// <summary>What a running check or benchmark is doing now; hosts turn it into their own progress display.</summary>
/// <param name="Activity">The overall task, e.g. "Testing LmStudio".</param>
/// <param name="Status">The current step, e.g. "Tool calls".</param>
/// <param name="PercentComplete">0..100, or -1 when unknown.</param>
public sealed record DiagnosticProgress(string Activity, string Status, int PercentComplete);
