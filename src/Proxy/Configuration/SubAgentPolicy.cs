namespace AnyClaude.Proxy.Configuration;

/// <summary>
/// Where a mode sends Claude Code's sub-agent requests (kind SubAgent: the Task/Agent tool's own conversations, marked
/// by the x-claude-code-agent-id header): "Forward" to the backend main turns go to (the default), or a mode
/// ("mlx-lm", "mlx-lm/qwen3-0.6b") to route them to, so a one-slot backend keeps the main conversation cached.
/// </summary>
public sealed record SubAgentPolicy(BackendMode? Mode = null, string? Model = null)
{
    public static SubAgentPolicy Forward { get; } = new();

    /// <summary>True when sub-agents go where main turns go.</summary>
    public bool IsForward => Mode is null;

    /// <summary>Parses "Forward" (or "Same", "SameBackend"), a mode name, or "mode/model".</summary>
    public static bool TryParse(string? text, out SubAgentPolicy policy)
    {
        policy = Forward;
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t)) return false;
        if (t.Equals("forward", StringComparison.OrdinalIgnoreCase) || t.Equals("same", StringComparison.OrdinalIgnoreCase)
            || t.Equals("samebackend", StringComparison.OrdinalIgnoreCase))
            return true;
        var slash = t.IndexOf('/');
        var modeText = slash > 0 ? t[..slash] : t;
        var model = slash > 0 && slash < t.Length - 1 ? t[(slash + 1)..] : null;
        if (!ModeNames.TryParse(modeText, out var mode)) return false;
        policy = new SubAgentPolicy(mode, model);
        return true;
    }

    /// <summary>What the config file and the control endpoint hold: the form TryParse reads.</summary>
    public override string ToString() => Mode is { } mode ? ModeNames.ToEnvironmentName(mode) + (Model is null ? "" : "/" + Model) : "Forward";

    /// <summary>Accepted forms, for error messages and completion.</summary>
    public const string Forms = "Forward (the mode's own backend), or a mode to route them to (mlx-lm, lmstudio/<model>, ...)";
}
