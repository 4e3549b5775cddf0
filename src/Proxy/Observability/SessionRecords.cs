using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using AnyClaude.Proxy.Security;

namespace AnyClaude.Proxy.Observability;

/// <summary>
/// Keeps a proxy's request records after it stops: one JSON line per request in
/// &lt;state dir&gt;/sessions/&lt;id&gt;.jsonl, readable only by the user, bounded in lines and in number of files.
/// Records only (never bodies), with any literal secret masked in error texts. Written by one background
/// task, like the trace, so a slow disk never delays a response.
/// </summary>
internal sealed class SessionRecords : IAsyncDisposable
{
    /// <summary>Lines per session file; later records stay in memory only.</summary>
    public const int MaxRecords = 10_000;
    /// <summary>Session files kept; the oldest are removed when a new session starts.</summary>
    public const int MaxSessions = 50;
    public const string Extension = ".jsonl";

    private readonly Channel<RequestRecord> _queue = Channel.CreateBounded<RequestRecord>(new BoundedChannelOptions(4096)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropOldest,
    });
    private readonly Func<IEnumerable<string?>> _secrets;
    private readonly Task _pump;
    // Cancelled when the proxy stops: the pump stops waiting for more records and writes what it has.
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>How long the pump gathers records before one write: a file write per second at most, whatever the
    /// request rate; everything is written when the proxy stops.</summary>
    internal static readonly TimeSpan BatchDelay = TimeSpan.FromSeconds(1);

    private SessionRecords(string path, Func<IEnumerable<string?>> secrets)
    {
        Path = path;
        _secrets = secrets;
        _pump = Task.Run(PumpAsync);
    }

    public string Path { get; }

    /// <summary>The session id: started-at (UTC), process id and port, so ids sort by start time.</summary>
    public static string IdFor(DateTimeOffset startedAt, int processId, int port) =>
        string.Create(CultureInfo.InvariantCulture, $"{startedAt.UtcDateTime:yyyyMMdd'T'HHmmssfff}-{processId}-{port}");

    /// <summary>Creates the session file (and its folder, user-only) and prunes old sessions.</summary>
    public static SessionRecords Start(string directory, string id, Func<IEnumerable<string?>> secrets)
    {
        PrivateFiles.CreateDirectory(directory);
        var path = System.IO.Path.Combine(directory, id + Extension);
        using (PrivateFiles.Create(path)) { }
        Prune(directory);
        return new SessionRecords(path, secrets);
    }

    public void Add(RequestRecord record) => _queue.Writer.TryWrite(record);

    private static void Prune(string directory)
    {
        var files = Directory.GetFiles(directory, "*" + Extension);
        Array.Sort(files, StringComparer.Ordinal);
        for (var i = 0; i < files.Length - MaxSessions; i++)
        {
            try { File.Delete(files[i]); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private async Task PumpAsync()
    {
        var written = 0;
        await using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new MemoryStream();
        using var w = new Utf8JsonWriter(buffer);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Gather what comes within the batch delay (or until the proxy stops), then write it in one go.
            if (!_stopping.IsCancellationRequested)
            {
                try { await Task.Delay(BatchDelay, _stopping.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { }
            }
            buffer.SetLength(0);
            var lines = 0;
            while (_queue.Reader.TryRead(out var record))
            {
                if (written + lines >= MaxRecords) continue;
                if (record.Error is not null)
                    record = record with { Error = SecretRedactor.RedactLiterals(record.Error, _secrets()) };
                w.Reset(buffer);
                RecordJson.Write(w, record);
                w.Flush();
                buffer.WriteByte((byte)'\n');
                lines++;
            }
            if (lines == 0) continue;
            try
            {
                await file.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).ConfigureAwait(false);
                await file.FlushAsync().ConfigureAwait(false);
                written += lines;
            }
            catch (IOException)
            {
                // A full or vanished disk must not take the proxy down.
            }
        }
    }

    /// <summary>Reads a session file back (a line cut short by a crash is skipped), oldest first.</summary>
    public static IReadOnlyList<RequestRecord> Read(string path)
    {
        var records = new List<RequestRecord>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                records.Add(RecordJson.Read(doc.RootElement));
            }
            catch (JsonException)
            {
            }
        }
        return records;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
