using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>
/// The session our users describe: analysis turns in MlxLm, an edit in LmStudio, back to MlxLm, through one proxy
/// whose mode is switched between turns; compared with the same turns staying in one mode.
/// </summary>
public sealed record HybridScenarioOptions
{
    public required BackendSettings LmStudio { get; init; }
    public required BackendSettings MlxLm { get; init; }

    /// <summary>A running proxy to drive; null starts a private proxy with both backends.</summary>
    public ProxyEndpoint? Proxy { get; init; }

    /// <summary>Switches <see cref="Proxy"/>'s mode (e.g. through its control endpoint). Without it, each request's
    /// model names its mode instead.</summary>
    public Func<BackendMode, CancellationToken, Task>? SwitchMode { get; init; }

    /// <summary>The hybrid session's modes, one per turn. The LmStudio turn asks for an edit.</summary>
    public IReadOnlyList<BackendMode> Sequence { get; init; } =
        [BackendMode.MlxLm, BackendMode.MlxLm, BackendMode.MlxLm, BackendMode.LmStudio, BackendMode.MlxLm];

    /// <summary>Also play the same turns entirely in each single mode, for comparison.</summary>
    public bool CompareSingleModes { get; init; } = true;

    /// <summary>How long the user reads and types between turns (not counted as waiting); null: about one cold prefill,
    /// that of the slowest backend in the sequence as the single-mode runs measured it (without them, the run's own
    /// first, cold time to first token). Zero plays the turns back to back.</summary>
    public TimeSpan? ThinkTime { get; init; }

    /// <summary>Prewarm the target backend at each mode switch (Set-AnyClaudeMode -Prewarm) while the user thinks.
    /// Only with the private proxy.</summary>
    public bool Prewarm { get; init; }

    public int? PromptTokens { get; init; }
    public int MaxOutputTokens { get; init; } = 64;
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);
    public TimeSpan TurnTimeout { get; init; } = TimeSpan.FromMinutes(15);
}
