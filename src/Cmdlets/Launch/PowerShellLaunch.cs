using AnyClaude.Proxy.Launch;

namespace AnyClaude.Cmdlets.Launch;

/// <summary>How the module starts claude: npm's claude.ps1 shim through the pwsh this session runs from, with its
/// arguments as PowerShell literals in an -EncodedCommand; every other launcher as the engine plans it
/// (<see cref="ClaudeLaunch"/>: programs, cmd.exe for claude.cmd, Windows command lines). Pure: the platform, ComSpec
/// and the pwsh to use are parameters.</summary>
internal static class PowerShellLaunch
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
        if (ClaudeLaunch.KindOf(claudePath, windows) != ClaudeKind.PowerShellScript) return ClaudeLaunch.Plan(claudePath, arguments, windows, comSpec);
        if (pwsh.Count == 0) throw new ArgumentException("The pwsh command is empty.", nameof(pwsh));
        string[] all = [.. pwsh.Skip(1), "-NoProfile", "-NoLogo", "-EncodedCommand", EncodeCommand(PowerShellInvocation(claudePath, arguments))];
        return ClaudeLaunch.Program(pwsh[0], all, windows, ClaudeKind.PowerShellScript);
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
}
