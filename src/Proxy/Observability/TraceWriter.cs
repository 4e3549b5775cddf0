using System.Text.Json;
using System.Threading.Channels;

namespace AnyClaude.Proxy.Observability;

/// <summary>
/// Appends one JSON line per request to the trace file. Lines are queued on a channel and written by one
/// background task, so a slow disk never delays a response.
/// </summary>
internal sealed class TraceWriter : IAsyncDisposable
{
    private readonly Channel<(RequestRecord Record, string? RequestBody, string? ResponseBody, string? ClientRequest)> _queue =
        Channel.CreateBounded<(RequestRecord, string?, string?, string?)>(new BoundedChannelOptions(4096)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropOldest,
        });
    private readonly Task _pump;
    private readonly string _path;

    public TraceWriter(string path)
    {
        _path = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        _pump = Task.Run(PumpAsync);
    }

    public void Enqueue(RequestRecord record, string? requestBody, string? responseBody, string? clientRequest = null) =>
        _queue.Writer.TryWrite((record, requestBody, responseBody, clientRequest));

    private async Task PumpAsync()
    {
        // A new trace is the user's alone: at Debug it holds whole conversations. (An existing file keeps its mode.)
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var file = new FileStream(_path, options);
        var buffer = new MemoryStream();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_queue.Reader.TryRead(out var item))
            {
                buffer.SetLength(0);
                using (var w = new Utf8JsonWriter(buffer))
                    RecordJson.Write(w, item.Record, item.RequestBody, item.ResponseBody, item.ClientRequest);
                buffer.WriteByte((byte)'\n');
                try
                {
                    await file.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // A full or vanished disk must not take the proxy down; the in-memory history still has it.
                }
            }
            await file.FlushAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _pump.ConfigureAwait(false);
    }
}
