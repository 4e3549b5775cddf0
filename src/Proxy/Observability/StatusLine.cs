using System.Globalization;
using System.Text;
using AnyClaude.Proxy.Routing;

namespace AnyClaude.Proxy.Observability;

/// <summary>
/// The one line Claude Code shows under its prompt (its statusLine setting): mode · model · the last main turn's
/// cached share (or its prefill time when nothing was cached) · how full the window is ("ctx 71% of 32K") · output tokens/s · errors. The proxy keeps it,
/// rendered, in a small file that Claude Code's status-line command only prints (cat/node), so an update costs
/// a file read, never a pwsh start. A completed request only marks the line changed; one timer (per proxy, not per
/// request) writes the file off the request path: at once when the last write is <see cref="MinInterval"/> old,
/// else when it is, so a burst of requests costs one write and no request waits for the disk.
/// <see cref="Flush"/> writes at once (a reader of the records); a mode change writes at once.
/// </summary>
internal sealed class StatusLine : IDisposable
{
    /// <summary>The least time between two writes that requests caused: a turn after a pause is on disk at once (Claude
    /// Code 2.0.77 runs the command 300 ms after a new assistant message, debounced), a burst of requests costs one write
    /// per interval.</summary>
    internal static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(500);

    private readonly object _gate = new();
    private readonly Timer _timer;
    private bool _dirty;     // a request changed what the line shows since the last write
    private bool _scheduled; // the timer is due
    private bool _disposed;
    private long _lastWrite = long.MinValue; // Stopwatch timestamp of the last write a request caused
    private readonly string _path;
    private readonly Func<ModeSnapshot> _modes;
    private RequestRecord? _lastTurn;
    private int _errors;
    private string? _written; // the text in the file now: a request that changes nothing shown writes nothing

    public StatusLine(string path, Func<ModeSnapshot> modes)
    {
        _path = path;
        _modes = modes;
        _timer = new Timer(static s => ((StatusLine)s!).Flush(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Refresh();
        SettingsPath = System.IO.Path.ChangeExtension(path, ".settings.json");
        WriteSettings();
    }

    public string Path => _path;

    /// <summary>Claude Code settings ({"statusLine": {"type": "command", "command": ...}}) for its --settings option,
    /// which adds them to the user's own settings without touching their files. Null when no command can carry the path.</summary>
    public string? SettingsPath { get; private set; }

    private void WriteSettings()
    {
        try
        {
            var command = CommandFor(_path, OperatingSystem.IsWindows());
            using var stream = Security.PrivateFiles.Create(SettingsPath!);
            // Relaxed escaping: the command stays readable ('...' rather than \u0027...\u0027); no HTML ever reads it.
            using var w = new System.Text.Json.Utf8JsonWriter(stream, new System.Text.Json.JsonWriterOptions
            {
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            });
            w.WriteStartObject();
            w.WriteStartObject("statusLine");
            w.WriteString("type", "command");
            w.WriteString("command", command);
            w.WriteNumber("padding", 0);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            SettingsPath = null;
        }
    }

    /// <summary>A request completed: remember it when it is a model turn, count it when it failed. Writes nothing
    /// itself: the timer writes the file, at once or when the last write is <see cref="MinInterval"/> old.</summary>
    public void Record(RequestRecord record)
    {
        lock (_gate)
        {
            if (IsFailure(record)) _errors++;
            else if (IsTurn(record)) _lastTurn = record;
            _dirty = true; // also for other requests: the mode's model may have been learnt meanwhile (the write skips an unchanged text)
            if (_scheduled || _disposed) return;
            _scheduled = true;
            var since = _lastWrite == long.MinValue ? MinInterval : System.Diagnostics.Stopwatch.GetElapsedTime(_lastWrite);
            if (since >= MinInterval)
                // Right after the request: queued to this thread's own queue, it runs once the request's work (the
                // response's last bytes) is done, without the timer's hop.
                ThreadPool.UnsafeQueueUserWorkItem(static line => line.Flush(), this, preferLocal: true);
            else
                _timer.Change(MinInterval - since, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The active mode changed: the last turn (another mode's) is no longer what the line describes.</summary>
    public void ModeSwitched()
    {
        lock (_gate) _lastTurn = null;
        Refresh();
    }

    /// <summary>Writes what a completed request changed now, if anything is still unwritten (the flush hook: a reader of
    /// the records sees the line that goes with them).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            _scheduled = false;
            if (!_dirty || _disposed) return;
            _lastWrite = System.Diagnostics.Stopwatch.GetTimestamp();
            WriteLocked();
        }
    }

    /// <summary>Rewrites the file now (the mode or a model changed).</summary>
    public void Refresh()
    {
        lock (_gate)
        {
            if (_disposed) return;
            WriteLocked();
        }
    }

    private void WriteLocked()
    {
        // One writer at a time (the timer and a mode change may meet); the file is tiny.
        var text = Render(_modes(), _lastTurn, _errors);
        if (text == _written || Write(text))
        {
            _written = text;
            _dirty = false;
        }
        else if (!_scheduled)
        {
            // Not written (a reader holding it on Windows, a full disk): try again later, still off the request path.
            _scheduled = true;
            _timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>False when the file could not be written (the next update tries again).</summary>
    private bool Write(string text)
    {
        try
        {
            // Write aside, then swap in: a reader never sees half a line.
            var temp = _path + ".tmp";
            using (var stream = Security.PrivateFiles.Create(temp))
                stream.Write(Encoding.UTF8.GetBytes(text + "\n"));
            File.Move(temp, _path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A reader holding the file (Windows) or a full disk: the next update writes it.
            return false;
        }
    }

    /// <summary>Stops the timer and removes the files (the proxy stops; the line goes with it).</summary>
    public void Delete()
    {
        Dispose();
        try
        {
            File.Delete(_path);
            File.Delete(_path + ".tmp");
            if (SettingsPath is not null) File.Delete(SettingsPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _timer.Dispose();
    }

    /// <summary>What counts as "the last main turn": a completed Messages API call that produced output.
    /// (count_tokens calls and failed requests do not.)</summary>
    internal static bool IsTurn(RequestRecord r) =>
        r.Path == "/v1/messages" && r.Status == 200 && r.Error is null && r.OutputTokens > 0;

    /// <summary>A request that failed; the user pressing Esc (the client hung up) is not a failure.</summary>
    internal static bool IsFailure(RequestRecord r) =>
        r.Status != 499 && (r.Status >= 400 || (r.Error is not null && r.Error != ClientClosed));

    internal const string ClientClosed = "The client closed the connection.";

    internal static string Render(ModeSnapshot modes, RequestRecord? turn, int errors)
    {
        var parts = new List<string>(5);
        var active = modes.Get(modes.Active);
        // The last turn's mode and model (a /model pick routes turns to another mode than the active one); a mode switch
        // forgets the last turn (ModeSwitched), so the line then names the new mode.
        parts.Add((turn?.Mode ?? modes.Active).ToString());
        parts.Add(turn?.Model ?? active.Model ?? "backend's model");
        if (turn is null)
        {
            parts.Add("no turn yet");
        }
        else
        {
            var prompt = turn.InputTokens + turn.CachedTokens;
            if (turn.CachedTokens > 0 && prompt > 0)
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"cached {100.0 * turn.CachedTokens / prompt:0}%"));
            else if (turn.TimeToFirstToken is { } ttft)
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"prefill {ttft.TotalSeconds:0.0}s"));
            if (ContextShare(turn) is { } ctx) parts.Add(ctx);
            if (TokensPerSecond(turn) is { } rate)
                parts.Add(rate.ToString(rate >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture) + " tok/s");
        }
        parts.Add(errors == 1 ? "1 error" : $"{errors} errors");
        return string.Join(" · ", parts);
    }

    /// <summary>How full the backend's window was on this turn: "ctx 71% of 32K" (prompt and answer over the window);
    /// null when the window is unknown.</summary>
    internal static string? ContextShare(RequestRecord r)
    {
        if (r.ContextWindow is not { } window || window <= 0) return null;
        var used = r.InputTokens + (r.CachedTokens ?? 0) + r.OutputTokens;
        var size = window % 1024 == 0 ? $"{window / 1024}K" : string.Create(CultureInfo.InvariantCulture, $"{window / 1000.0:0.#}K");
        return string.Create(CultureInfo.InvariantCulture, $"ctx {Math.Min(100.0, 100.0 * used / window):0}% of {size}");
    }

    /// <summary>Output tokens over the generation time (after the first token); null when it cannot be told.</summary>
    internal static double? TokensPerSecond(RequestRecord r)
    {
        var generating = r.Duration - (r.TimeToFirstToken ?? TimeSpan.Zero);
        if (r.OutputTokens <= 1 || generating <= TimeSpan.FromMilliseconds(1)) return null;
        return r.OutputTokens / generating.TotalSeconds;
    }

    /// <summary>The command Claude Code runs for the status line: it prints the file and nothing else. Claude Code
    /// runs it through a shell: sh on macOS and Linux; on Windows Git Bash, PowerShell (2.1.x without Git Bash)
    /// or cmd (2.0.x). Unix: cat (no process but cat). Windows: node, which Claude Code's npm install brings,
    /// written with only double quotes outside and single quotes inside, which all three shells pass through.</summary>
    public static string CommandFor(string path, bool windows)
    {
        if (path.Contains('\'', StringComparison.Ordinal) || path.Contains('"', StringComparison.Ordinal) || path.Contains('$', StringComparison.Ordinal))
            throw new ArgumentException($"The status-line file path contains a quote or '$', which no shell command can carry safely: {path}", nameof(path));
        if (!windows) return $"cat '{path}'";
        var forward = path.Replace('\\', '/');
        return $"node -e \"process.stdout.write(require('fs').readFileSync('{forward}','utf8'))\"";
    }
}
