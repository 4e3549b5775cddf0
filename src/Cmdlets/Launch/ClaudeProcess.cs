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

    public static ClaudeProcess Start(string path, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string workingDirectory)
    {
        var info = new ProcessStartInfo
        {
            UseShellExecute = false,
            // No redirection: claude owns the console (its TUI, or -p output to our stdout).
            RedirectStandardInput = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
            WorkingDirectory = workingDirectory,
        };

        if (OperatingSystem.IsWindows() && path.EndsWith(".cmd", StringComparison.OrdinalIgnoreCase))
        {
            info.FileName = Environment.GetEnvironmentVariable("ComSpec") ?? "cmd.exe";
            info.ArgumentList.Add("/d");
            info.ArgumentList.Add("/c");
            info.ArgumentList.Add(path);
        }
        else
        {
            info.FileName = path;
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach ((string name, string? value) in environment)
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
