using System.Diagnostics;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Cli;

/// <summary>
/// A program in a real pseudo-terminal: a detached tmux session on a private tmux server (its own socket), so
/// the interactive Claude Code TUI runs as a user sees it. Keys go in with send-keys; the screen comes back with
/// capture-pane. The program gets exactly the environment given (env -i): nothing of the test host leaks in.
/// </summary>
internal sealed class TmuxTerminal : IDisposable
{
    private readonly string _socket = $"anyclaude-test-{Guid.NewGuid():N}";
    private const string Session = "tui";

    /// <summary>True when tmux can be run here.</summary>
    public static bool Available()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("tmux", "-V") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            p.WaitForExit(10_000);
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public TmuxTerminal(string workingDirectory, IReadOnlyDictionary<string, string> environment, string executable, IEnumerable<string> arguments)
    {
        var command = new List<string> { "env", "-i" };
        command.AddRange(environment.Select(kv => $"{kv.Key}={kv.Value}"));
        command.Add(executable);
        command.AddRange(arguments);
        Run(["new-session", "-d", "-s", Session, "-x", "200", "-y", "50", "-c", workingDirectory, string.Join(' ', command.Select(Quote))]);
    }

    public string Screen() => Run(["capture-pane", "-p", "-t", Session]);

    /// <summary>Types text literally, then presses Enter.</summary>
    public void Type(string text)
    {
        Run(["send-keys", "-t", Session, "-l", text]);
        Thread.Sleep(300);
        Run(["send-keys", "-t", Session, "Enter"]);
    }

    public void Press(string key) => Run(["send-keys", "-t", Session, key]);

    public bool Alive()
    {
        try { Run(["has-session", "-t", Session]); return true; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Waits until the condition holds, answering nothing; false on timeout.</summary>
    public async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (condition()) return true;
            await Task.Delay(250);
        }
        return condition();
    }

    private string Run(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-L");
        psi.ArgumentList.Add(_socket);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        p.WaitForExit(30_000);
        if (p.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {error.Result}");
        return output.Result;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    public void Dispose()
    {
        try { Run(["kill-server"]); }
        catch (InvalidOperationException) { }
    }
}
