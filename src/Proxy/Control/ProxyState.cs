namespace AnyClaude.Proxy.Control;

/// <summary>What a running proxy publishes in its state file so the same user's other processes can reach it.</summary>
public sealed record ProxyState(int ProcessId, int Port, string Token, Uri BaseUrl, DateTimeOffset StartedAt);

/// <summary>Where state files live (a folder only the user can read) and how to read them.</summary>
public static class ProxyStateFile
{
    // STUB — the host work replaces this file.
    /// <summary>$XDG_STATE_HOME/anyclaude or ~/.local/state/anyclaude; %LOCALAPPDATA%\AnyClaude on Windows.
    /// Overridable with ANYCLAUDE_STATE_DIR (tests).</summary>
    public static string Directory => throw new NotImplementedException();

    /// <summary>States of proxies whose process is still alive, newest first; stale files are removed.</summary>
    public static IReadOnlyList<ProxyState> ReadLive() => throw new NotImplementedException();
}
