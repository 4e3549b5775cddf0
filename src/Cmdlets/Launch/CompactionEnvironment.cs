using System.Globalization;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Launch;

/// <summary>
/// The variables that make Claude Code compact before a local backend's context window is full. Every pinned version
/// (2.1.332, 2.1.197, 2.0.77; functions and constants in docs/claude-code-footprint.md) computes its auto-compact
/// threshold the same way for a model it does not know:
/// <c>E = window − min(maxOutputTokens, cap)</c> (window 200,000; cap 20,000 in 2.1.x, 32,000 in 2.0.77) and
/// <c>threshold = min(floor(E × pct / 100), E − 13,000)</c> with <c>pct = CLAUDE_AUTOCOMPACT_PCT_OVERRIDE</c>.
/// The window cannot be set below 100K (2.1.332 refuses it: "Set it to a size of at least 100k"), so the window is
/// pinned to 200,000 (CLAUDE_CODE_AUTO_COMPACT_WINDOW in 2.1.x, CLAUDE_CODE_MAX_CONTEXT_TOKENS where 2.1.197 reads it
/// for ids without "claude-") and the percentage brings the threshold down to the backend's real window. A variable
/// the user set is never replaced.
/// <para>Where the threshold goes is per version: at ⅞ of the window (<see cref="Threshold"/>), except for a version in
/// <see cref="s_compactsLate"/> under the context policy Elide, which is told the whole window
/// (<see cref="LateThreshold"/>): its own system prompt and tools take so much of a small window that compacting
/// cannot free enough (2.1.197: ~19K of its own, a summary and its re-attached files put it back at ⅞ W within one or
/// two reads), so it compacts only when its next request would not fit at all, and until then the proxy's
/// deterministic cut (AnyClaude.Proxy.Forwarding.Context.ConversationCut, at ⅞ W) keeps each request inside the
/// window. Claude Code counts the context from the usage the proxy reports (true: what the backend processed, after
/// the cut) plus its estimate of what it added since, so a cut conversation stays below this threshold.</para>
/// </summary>
internal static class CompactionEnvironment
{
    /// <summary>The window every pinned version is given: the threshold formula's base.</summary>
    internal const int PinnedWindow = 200_000;

    /// <summary>Claude Code's own buffer below E (13,000 in every pinned version): pct can only lower the threshold.</summary>
    internal const int CompactBuffer = 13_000;

    internal const string WindowVariable = "CLAUDE_CODE_AUTO_COMPACT_WINDOW";
    internal const string MaxContextVariable = "CLAUDE_CODE_MAX_CONTEXT_TOKENS";
    internal const string PercentVariable = "CLAUDE_AUTOCOMPACT_PCT_OVERRIDE";
    internal const string MaxOutputVariable = "CLAUDE_CODE_MAX_OUTPUT_TOKENS";

    /// <summary>Versions told the whole window as their threshold (see the class summary): 2.1.197, whose system prompt
    /// and tools are ~19.2K of the fake's tokens (13K for 2.1.332), and whose post-compaction restore re-attaches up to
    /// five files of up to 5,000 tokens each within 50,000 (<c>Ser()</c>: <c>ber=5</c>, <c>ERf=5000</c>,
    /// <c>SRf=50000</c>, constants no variable changes; docs/claude-code-footprint.md).</summary>
    private static readonly HashSet<string> s_compactsLate = new(StringComparer.Ordinal) { "2.1.197" };

    /// <summary>Whether this Claude Code version, under this context policy, is told <see cref="LateThreshold"/>.</summary>
    public static bool CompactsLate(string? claudeVersion, ContextPolicyMode policy) =>
        policy == ContextPolicyMode.Elide && claudeVersion is not null && s_compactsLate.Contains(claudeVersion);

    /// <summary>max_tokens Claude Code asks for: a quarter of the window, 4,096 to 20,000 (at most the cap of 2.1.x, so
    /// the threshold formula's min() is this value in every version).</summary>
    public static int MaxOutputTokens(int window) => Math.Clamp(window / 4, 4_096, 20_000);

    /// <summary>Where Claude Code should compact: an eighth of the window below it, so a turn under the threshold fits
    /// with room for its answer.</summary>
    public static int Threshold(int window) => window - window / 8;

    /// <summary>Where a version that compacts late should compact: when its count of the next request reaches the whole
    /// window (the proxy's cut keeps each request below ⅞ W while anything can be cut, so Claude Code's count, the last
    /// usage plus one turn, reaches W only on a turn bigger than W/8 or once little is left to cut).</summary>
    public static int LateThreshold(int window) => window;

    /// <summary>The percentage that puts the threshold of every pinned version at <see cref="Threshold"/>; null when
    /// the window is so large that Claude Code's own threshold (E − 13,000) is already lower.</summary>
    public static double? Percent(int window, bool late = false)
    {
        var effective = PinnedWindow - MaxOutputTokens(window);
        var threshold = late ? LateThreshold(window) : Threshold(window);
        if (threshold >= effective - CompactBuffer) return null;
        // Rounded down to 4 decimals: floor(E × pct / 100) then lands at most a token below the target, never above.
        return Math.Floor(threshold * 100.0 / effective * 10_000) / 10_000;
    }

    /// <summary>The threshold a version computes from these variables (the formula above, for tests and docs).</summary>
    public static int ThresholdFor(int maxOutputTokens, int outputCap, double? percent, int window = PinnedWindow)
    {
        var effective = window - Math.Min(maxOutputTokens, outputCap);
        var own = effective - CompactBuffer;
        return percent is { } p and > 0 and <= 100 ? Math.Min((int)Math.Floor(effective * (p / 100)), own) : own;
    }

    /// <summary>Adds the variables for a backend with this context window to env, leaving out any the user set;
    /// claudeVersion (<see cref="ClaudeVersion.Of"/>) and policy (the mode's contextPolicy) pick the threshold.</summary>
    public static void Apply(IDictionary<string, string?> env, int? contextWindow, Func<string, string?> userVariable,
        string? claudeVersion = null, ContextPolicyMode policy = ContextPolicyMode.Elide)
    {
        if (contextWindow is not { } window || window <= 0) return;
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MaxOutputVariable] = MaxOutputTokens(window).ToString(CultureInfo.InvariantCulture),
        };
        if (window < PinnedWindow)
        {
            values[WindowVariable] = PinnedWindow.ToString(CultureInfo.InvariantCulture);
            values[MaxContextVariable] = PinnedWindow.ToString(CultureInfo.InvariantCulture);
            if (Percent(window, CompactsLate(claudeVersion, policy)) is { } pct) values[PercentVariable] = pct.ToString("0.####", CultureInfo.InvariantCulture);
        }
        else
        {
            // A window Claude Code can be told directly (2.1.x; it assumes 1M for an id it does not know).
            values[WindowVariable] = window.ToString(CultureInfo.InvariantCulture);
            values[MaxContextVariable] = window.ToString(CultureInfo.InvariantCulture);
        }
        foreach (var (name, value) in values)
        {
            if (!string.IsNullOrEmpty(userVariable(name)) || env.ContainsKey(name)) continue;
            env[name] = value;
        }
    }
}
