namespace AnyClaude.Cmdlets.Launch;

/// <summary>What the arguments passed to Claude Code say about the run.</summary>
internal static class ClaudeArguments
{
    /// <summary>-p/--print: Claude Code answers and exits, no TUI (no status line, nobody to ask).</summary>
    public static bool IsHeadless(IEnumerable<string> arguments) =>
        arguments.Any(a => a is "-p" or "--print" || a.StartsWith("--print=", StringComparison.Ordinal));

    public static bool HasSettings(IEnumerable<string> arguments) =>
        arguments.Any(a => a == "--settings" || a.StartsWith("--settings=", StringComparison.Ordinal));
}
