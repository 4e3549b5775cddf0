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

/// <summary>Turns a claude path and the user's arguments into a <see cref="LaunchCommand"/>. Pure: the platform,
/// ComSpec and the pwsh to use are parameters.</summary>
public static class ClaudeLaunch
{
    /// <param name="claudePath">The full path found by <see cref="ClaudeSearch"/> or given with -ClaudePath.</param>
    /// <param name="arguments">Passed to Claude Code unchanged.</param>
    /// <param name="windows">Build a Windows command line.</param>
    /// <param name="pwsh">The pwsh running now, as a command: its executable, or dotnet and pwsh.dll.</param>
    /// <param name="comSpec">%ComSpec% (cmd.exe) on Windows.</param>
    public static LaunchCommand Plan(string claudePath, IReadOnlyList<string> arguments, bool windows, IReadOnlyList<string> pwsh, string? comSpec)
    {
        ArgumentException.ThrowIfNullOrEmpty(claudePath);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(pwsh);
        var kind = KindOf(claudePath, windows);
        switch (kind)
        {
            case ClaudeKind.BatchFile:
                return new LaunchCommand(string.IsNullOrEmpty(comSpec) ? "cmd.exe" : comSpec, [], WindowsCommandLine.ForBatchFile(claudePath, arguments)) { Kind = kind };
            case ClaudeKind.PowerShellScript:
            {
                if (pwsh.Count == 0) throw new ArgumentException("The pwsh command is empty.", nameof(pwsh));
                string[] all = [.. pwsh.Skip(1), "-NoProfile", "-NoLogo", "-EncodedCommand", EncodeCommand(PowerShellInvocation(claudePath, arguments))];
                return new LaunchCommand(pwsh[0], all, windows ? WindowsCommandLine.JoinArguments(all) : null) { Kind = kind };
            }
            default:
                return new LaunchCommand(claudePath, arguments, windows ? WindowsCommandLine.JoinArguments(arguments) : null) { Kind = kind };
        }
    }

    /// <summary>
    /// The script pwsh runs for a .ps1 launcher: the arguments as single-quoted literals splatted as an array.
    /// Not <c>-File script args</c>: there pwsh splits an argument like <c>--flag:value</c> in two; an
    /// array splat passes every string as it is. Sent with -EncodedCommand, so no quoting layer is left.
    /// </summary>
    public static string PowerShellInvocation(string script, IReadOnlyList<string> arguments) =>
        $"$claudeArguments = @({string.Join(", ", arguments.Select(Literal))}); & {Literal(script)} @claudeArguments; exit $LASTEXITCODE";

    /// <summary>A PowerShell single-quoted string: each quote character (' and the typographic ‘ ’ ‚ ‛ the
    /// parser also takes as quotes) is doubled.</summary>
    public static string Literal(string value)
    {
        var builder = new System.Text.StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            builder.Append(c);
            if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B') builder.Append(c);
        }
        return builder.Append('\'').ToString();
    }

    /// <summary>-EncodedCommand's format: base64 of the UTF-16LE text.</summary>
    public static string EncodeCommand(string script) => Convert.ToBase64String(System.Text.Encoding.Unicode.GetBytes(script));

    /// <summary>
    /// The pwsh to run a .ps1 launcher with: the one this session runs from ($PSHOME), so a 7.4 session uses 7.4.
    /// When the current process is dotnet running $PSHOME's pwsh.dll (the dotnet tool), the same; else $PSHOME's pwsh
    /// executable; else pwsh.dll through dotnet; else pwsh from PATH. Pure: paths and a file test are parameters.
    /// </summary>
    public static IReadOnlyList<string> PwshCommand(string? psHome, string? processPath, bool windows, Func<string, bool> exists)
    {
        ArgumentNullException.ThrowIfNull(exists);
        if (!string.IsNullOrEmpty(psHome))
        {
            var executable = ClaudeSearch.Join(psHome, windows ? "pwsh.exe" : "pwsh", windows);
            var dll = ClaudeSearch.Join(psHome, "pwsh.dll", windows);
            var isDotnet = processPath is not null && Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
            // Run exactly as this session runs: dotnet pwsh.dll (the dotnet tool) when that is the current process.
            if (isDotnet && exists(dll)) return [processPath!, dll];
            if (exists(executable)) return [executable];
            if (exists(dll)) return ["dotnet", dll];
        }
        return [windows ? "pwsh.exe" : "pwsh"];
    }

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
