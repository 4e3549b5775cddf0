namespace AnyClaude.Cmdlets.Launch;

/// <summary>What the arguments passed to Claude Code say about the run.</summary>
internal static class ClaudeArguments
{
    /// <summary>-p/--print: Claude Code answers and exits, no TUI (no status line, nobody to ask).</summary>
    public static bool IsHeadless(IEnumerable<string> arguments) =>
        arguments.Any(a => a is "-p" or "--print" || a.StartsWith("--print=", StringComparison.Ordinal));

    /// <summary>-c/--continue or -r/--resume: the session goes on with an earlier conversation.</summary>
    public static bool Resumes(IEnumerable<string> arguments) =>
        arguments.Any(a => a is "-c" or "--continue" or "-r" or "--resume" || a.StartsWith("--resume=", StringComparison.Ordinal));

    public static bool HasSettings(IEnumerable<string> arguments) =>
        arguments.Any(a => a == "--settings" || a.StartsWith("--settings=", StringComparison.Ordinal));
}
