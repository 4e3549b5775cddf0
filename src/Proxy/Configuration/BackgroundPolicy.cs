namespace AnyClaude.Proxy.Configuration;

/// <summary>What the proxy does with Claude Code's background requests (kind Background).</summary>
public enum BackgroundAction
{
    /// <summary>Send them where main turns go, as before (on a one-slot backend they evict the main conversation's cache).</summary>
    Forward,
    /// <summary>Answer session-title requests at once with a title taken from the user's own text; forward every
    /// other background request (anything Claude Code may base a safety decision on is never answered locally).</summary>
    AnswerLocally,
    /// <summary>Send them to another mode (and model), for example a small model on MLX-LM while LM Studio edits.</summary>
    Route,
}

/// <summary>A mode's background-request policy: "Forward", "AnswerLocally", or a mode ("mlx-lm", "mlx-lm/qwen3-0.6b") to route them to.</summary>
public sealed record BackgroundPolicy(BackgroundAction Action, BackendMode? Mode = null, string? Model = null)
{
    public static BackgroundPolicy Forward { get; } = new(BackgroundAction.Forward);
    public static BackgroundPolicy AnswerLocally { get; } = new(BackgroundAction.AnswerLocally);

    /// <summary>The default when none is configured: local backends answer titles locally (measured: on a one-slot
    /// backend, Claude Code 2.1.197's title request before every prompt made each main turn prefill cold; see
    /// docs/performance.md); Claude forwards.</summary>
    public static BackgroundPolicy DefaultFor(BackendMode mode) => mode == BackendMode.Claude ? Forward : AnswerLocally;

    /// <summary>Parses "Forward", "AnswerLocally" (or "Answer", "Local"), a mode name, or "mode/model".</summary>
    public static bool TryParse(string? text, out BackgroundPolicy policy)
    {
        policy = Forward;
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t)) return false;
        if (t.Equals("forward", StringComparison.OrdinalIgnoreCase)) return true;
        if (t.Equals("answerlocally", StringComparison.OrdinalIgnoreCase) || t.Equals("answer", StringComparison.OrdinalIgnoreCase)
            || t.Equals("local", StringComparison.OrdinalIgnoreCase))
        {
            policy = AnswerLocally;
            return true;
        }
        var slash = t.IndexOf('/');
        var modeText = slash > 0 ? t[..slash] : t;
        var model = slash > 0 && slash < t.Length - 1 ? t[(slash + 1)..] : null;
        if (!ModeNames.TryParse(modeText, out var mode)) return false;
        policy = new BackgroundPolicy(BackgroundAction.Route, mode, model);
        return true;
    }

    /// <summary>What the config file and the control endpoint hold: the form TryParse reads.</summary>
    public override string ToString() => Action switch
    {
        BackgroundAction.Route => ModeNames.ToEnvironmentName(Mode!.Value) + (Model is null ? "" : "/" + Model),
        _ => Action.ToString(),
    };

    /// <summary>Accepted forms, for error messages and completion.</summary>
    public const string Forms = "Forward, AnswerLocally, or a mode to route them to (mlx-lm, lmstudio/<model>, ...)";
}
