using System.Globalization;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Proxy.Control;

/// <summary>A proxy session's records file: its id (started-at, process id, port) and where it is.</summary>
public sealed record SessionFile(string Id, string Path, DateTimeOffset StartedAt, int ProcessId, int Port);

/// <summary>Where a proxy keeps what outlives a request, next to its state file: the records of each session
/// (sessions/&lt;id&gt;.jsonl) and the status-line text Claude Code shows (statusline-&lt;pid&gt;-&lt;port&gt;.txt).</summary>
public static class SessionFiles
{
    public static string SessionsDirectory => Path.Combine(ProxyStateFile.Directory, "sessions");

    public static string StatusLinePath(int processId, int port) =>
        Path.Combine(ProxyStateFile.Directory, string.Create(CultureInfo.InvariantCulture, $"statusline-{processId}-{port}.txt"));

    /// <summary>Every kept session, newest first.</summary>
    public static IReadOnlyList<SessionFile> List()
    {
        var dir = SessionsDirectory;
        if (!Directory.Exists(dir)) return [];
        var sessions = new List<SessionFile>();
        foreach (var path in Directory.EnumerateFiles(dir, "*" + SessionRecords.Extension))
            if (TryParse(path) is { } session) sessions.Add(session);
        sessions.Sort((a, b) => string.CompareOrdinal(b.Id, a.Id));
        return sessions;
    }

    /// <summary>The records a session kept, oldest first.</summary>
    public static IReadOnlyList<RequestRecord> ReadRecords(SessionFile session) => SessionRecords.Read(session.Path);

    private static SessionFile? TryParse(string path)
    {
        var id = Path.GetFileNameWithoutExtension(path);
        var parts = id.Split('-');
        if (parts.Length != 3) return null;
        if (!DateTime.TryParseExact(parts[0], "yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var started)) return null;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return null;
        if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var port)) return null;
        return new SessionFile(id, path, new DateTimeOffset(started, TimeSpan.Zero), pid, port);
    }
}
