using System.Diagnostics;

namespace AnyClaude.Cmdlets.Launch;

/// <summary>Runs Claude Code on the inherited console and waits for it, cancellably.</summary>
internal sealed class ClaudeProcess
{
    /// <summary>After Ctrl+C claude gets this long to exit on its own (it received the signal too).</summary>
    private static readonly TimeSpan s_exitGrace = TimeSpan.FromSeconds(3);

    private readonly Process _process;

    private ClaudeProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>Starts claude. A .cmd runs through cmd.exe with BatBadBut-safe quoting, a .ps1 through
    /// <paramref name="pwsh"/> (the pwsh running now); see <see cref="PowerShellLaunch"/>.</summary>
    /// <exception cref="ArgumentException">An argument that cannot be passed to a .cmd launcher.</exception>
    public static ClaudeProcess Start(string path, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment, string workingDirectory,
        IReadOnlyList<string> pwsh)
    {
        var windows = OperatingSystem.IsWindows();
        var command = PowerShellLaunch.Plan(path, arguments, windows, pwsh, Environment.GetEnvironmentVariable("ComSpec"));
        var info = new ProcessStartInfo
        {
            FileName = command.FileName,
            UseShellExecute = false,
            // No redirection: claude owns the console (its TUI, or -p output to our stdout).
            RedirectStandardInput = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
            WorkingDirectory = workingDirectory,
        };

        if (command.CommandLine is not null)
        {
            // Windows: the exact string, quoted by our tested rules (cmd.exe's differ from CommandLineToArgvW's).
            info.Arguments = command.CommandLine;
        }
        else
        {
            foreach (var argument in command.Arguments)
            {
                info.ArgumentList.Add(argument);
            }
        }

        foreach ((var name, var value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        return new ClaudeProcess(Process.Start(info) ?? throw new InvalidOperationException($"'{path}' did not start."));
    }

    /// <summary>Waits for exit. When <paramref name="cancel"/> fires, claude gets a grace period and is
    /// then ended with its children; returns null in that case.</summary>
    public int? WaitForExit(CancellationToken cancel)
    {
        try
        {
            _process.WaitForExitAsync(cancel).GetAwaiter().GetResult();
            _process.WaitForExit(); // flushes exit state
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            if (!_process.WaitForExit(s_exitGrace))
            {
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It exited in between.
                }

                _process.WaitForExit(s_exitGrace);
            }

            return null;
        }
        finally
        {
            _process.Dispose();
        }
    }
}
