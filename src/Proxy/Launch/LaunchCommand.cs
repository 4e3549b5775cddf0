namespace AnyClaude.Proxy.Launch;

/// <summary>
/// How to start Claude Code: a program and its arguments. On Windows <see cref="CommandLine"/> holds the exact
/// argument string (ProcessStartInfo.Arguments; the .NET runtime puts the quoted program in front); elsewhere
/// <see cref="Arguments"/> is the argument vector (ProcessStartInfo.ArgumentList).
/// </summary>
public sealed record LaunchCommand(string FileName, IReadOnlyList<string> Arguments, string? CommandLine)
{
    /// <summary>What kind of file was found (for messages): exe, cmd, ps1 or a Unix executable.</summary>
    public required ClaudeKind Kind { get; init; }
}

/// <summary>The kinds of claude launcher.</summary>
public enum ClaudeKind
{
    /// <summary>A native program: the installer's claude.exe, or the Unix 'claude' (a symlink to cli.js or the native binary).</summary>
    Executable,
    /// <summary>npm's claude.cmd shim (Windows), run by cmd.exe.</summary>
    BatchFile,
    /// <summary>npm's claude.ps1 shim, run by pwsh itself.</summary>
    PowerShellScript,
}

/// <summary>Turns a claude path and the user's arguments into a <see cref="LaunchCommand"/>: the operating system's
/// part (a program, cmd.exe for a .cmd with BatBadBut-safe quoting, Windows command lines). A .ps1 launcher is run by
/// pwsh, which the engine knows nothing of: the module plans that one (AnyClaude.Cmdlets.Launch.PowerShellLaunch).
/// Pure: the platform and ComSpec are parameters.</summary>
public static class ClaudeLaunch
{
    /// <param name="claudePath">The full path found by <see cref="ClaudeSearch"/> or given with -ClaudePath.</param>
    /// <param name="arguments">Passed to Claude Code unchanged.</param>
    /// <param name="windows">Build a Windows command line.</param>
    /// <param name="comSpec">%ComSpec% (cmd.exe) on Windows.</param>
    /// <exception cref="ArgumentException">A .ps1 launcher, or an argument that cannot be passed to a .cmd launcher.</exception>
    public static LaunchCommand Plan(string claudePath, IReadOnlyList<string> arguments, bool windows, string? comSpec)
    {
        ArgumentException.ThrowIfNullOrEmpty(claudePath);
        ArgumentNullException.ThrowIfNull(arguments);
        var kind = KindOf(claudePath, windows);
        return kind switch
        {
            ClaudeKind.BatchFile => new LaunchCommand(string.IsNullOrEmpty(comSpec) ? "cmd.exe" : comSpec, [], WindowsCommandLine.ForBatchFile(claudePath, arguments)) { Kind = kind },
            ClaudeKind.PowerShellScript => throw new ArgumentException($"{claudePath} is a PowerShell script: it is run by pwsh, which the module plans.", nameof(claudePath)),
            _ => Program(claudePath, arguments, windows, kind),
        };
    }

    /// <summary>A program and its argument vector; on Windows also as the one command line CommandLineToArgvW splits
    /// back into the same vector.</summary>
    public static LaunchCommand Program(string fileName, IReadOnlyList<string> arguments, bool windows, ClaudeKind kind) =>
        new(fileName, arguments, windows ? WindowsCommandLine.JoinArguments(arguments) : null) { Kind = kind };

    public static ClaudeKind KindOf(string path, bool windows)
    {
        // Windows drops trailing dots and spaces from a file name: CreateProcess runs "claude.cmd. " through
        // cmd.exe, so it must get cmd.exe's quoting (Rust's CVE-2024-43402, the follow-up to BatBadBut).
        if (windows) path = path.TrimEnd('.', ' ');
        if (path.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase)) return ClaudeKind.PowerShellScript;
        if (windows && (path.EndsWith(".cmd", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".bat", StringComparison.OrdinalIgnoreCase)))
            return ClaudeKind.BatchFile;
        return ClaudeKind.Executable;
    }
}
