using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace AnyClaude.Proxy.Control;

/// <summary>What a running proxy publishes in its state file so the same user's other processes can reach it.
/// The file holds the control token only (it opens /anyclaude/…, not /v1/*); the data-plane token Claude Code
/// holds is not in it.</summary>
public sealed record ProxyState(int ProcessId, int Port, string ControlToken, Uri BaseUrl, DateTimeOffset StartedAt);

/// <summary>Where state files live (a folder only the user can read) and how to read them.</summary>
public static class ProxyStateFile
{
    private const string Prefix = "proxy-";
    private const string Extension = ".json";
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>$XDG_STATE_HOME/anyclaude or ~/.local/state/anyclaude; %LOCALAPPDATA%\AnyClaude on Windows.
    /// Overridable with ANYCLAUDE_STATE_DIR (tests).</summary>
    public static string Directory
    {
        get
        {
            var overridden = Environment.GetEnvironmentVariable("ANYCLAUDE_STATE_DIR");
            if (!string.IsNullOrEmpty(overridden)) return overridden;
            if (OperatingSystem.IsWindows())
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "AnyClaude");
            var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            var root = !string.IsNullOrEmpty(xdg) ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
            return Path.Combine(root, "anyclaude");
        }
    }

    /// <summary>States of proxies whose process is still alive, newest first; stale files are removed.</summary>
    public static IReadOnlyList<ProxyState> ReadLive()
    {
        var dir = Directory;
        if (!System.IO.Directory.Exists(dir) || !IsPrivate(dir)) return [];
        var live = new List<ProxyState>();
        foreach (var file in System.IO.Directory.EnumerateFiles(dir, Prefix + "*" + Extension))
        {
            var state = TryRead(file);
            if (state is null || !IsAlive(state.ProcessId)) TryDelete(file);
            // The control client sends the token, and keys with Set-AnyClaudeMode, to this URL: loopback only.
            else if (!state.BaseUrl.IsLoopback || state.BaseUrl.Scheme != Uri.UriSchemeHttp) continue;
            // A live pid that started after the proxy did is a reused pid: that proxy is gone, and its port may
            // now be anyone's (the file is kept only in case a clock step caused the mismatch).
            else if (StartedBy(state)) live.Add(state);
        }
        live.Sort((a, b) => b.StartedAt.CompareTo(a.StartedAt));
        DeleteOrphanedStatusLines(dir);
        return live;
    }

    /// <summary>A proxy that died without stopping (killed, crashed) leaves its status-line files: statusline-&lt;pid&gt;-&lt;port&gt;.*.</summary>
    private static void DeleteOrphanedStatusLines(string dir)
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(dir, "statusline-*"))
        {
            var parts = Path.GetFileName(file).Split('-', '.');
            if (parts.Length >= 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !IsAlive(pid))
                TryDelete(file);
        }
    }

    /// <summary>Writes a state file readable only by the user; returns its path.</summary>
    internal static string Write(ProxyState state)
    {
        var dir = Directory;
        if (OperatingSystem.IsWindows())
        {
            // %LOCALAPPDATA% is already private to the user.
            System.IO.Directory.CreateDirectory(dir);
        }
        else
        {
            System.IO.Directory.CreateDirectory(dir, DirectoryMode);
            File.SetUnixFileMode(dir, DirectoryMode);
        }
        var path = Path.Combine(dir, $"{Prefix}{state.ProcessId}-{state.Port}{Extension}");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode600;
        using (var stream = new FileStream(path, options))
        {
            // The mode is set before the token is written (an existing file keeps its old mode on create).
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, FileMode600);
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteNumber("pid", state.ProcessId);
            w.WriteNumber("port", state.Port);
            w.WriteString("controlToken", state.ControlToken);
            w.WriteString("baseUrl", state.BaseUrl.AbsoluteUri);
            w.WriteString("startedAt", state.StartedAt);
            w.WriteEndObject();
        }
        return path;
    }

    internal static void Delete(string path) => TryDelete(path);

    internal static ProxyState? TryRead(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var r = doc.RootElement;
            return new ProxyState(
                r.GetProperty("pid").GetInt32(),
                r.GetProperty("port").GetInt32(),
                r.GetProperty("controlToken").GetString() ?? throw new FormatException("controlToken"),
                new Uri(r.GetProperty("baseUrl").GetString() ?? throw new FormatException("baseUrl")),
                r.GetProperty("startedAt").GetDateTimeOffset());
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or FormatException or InvalidOperationException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>On Unix, a state folder someone else owns or may write into (XDG_STATE_HOME or ANYCLAUDE_STATE_DIR
    /// pointed at a shared place) could hold files that send the control client, and the keys it carries, to
    /// another user's listener: such a folder is not read. chmod to the same mode succeeds only for the owner.</summary>
    private static bool IsPrivate(string dir)
    {
        if (OperatingSystem.IsWindows()) return true;
        try
        {
            var mode = File.GetUnixFileMode(dir);
            if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0) return false;
            File.SetUnixFileMode(dir, mode);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    /// <summary>Whether the process holding the state's pid started no later than the proxy (30 s of clock
    /// slack allowed). A process we may not inspect is not ours.</summary>
    private static bool StartedBy(ProxyState state)
    {
        try
        {
            using var process = Process.GetProcessById(state.ProcessId);
            return process.StartTime.ToUniversalTime() <= state.StartedAt.UtcDateTime + TimeSpan.FromSeconds(30);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
