using System.Buffers;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Backends;

/// <summary>
/// The one SSE reader of AnyClaude (the forwarders, the prewarmer, the diagnostics and the tests): splits a byte
/// stream into lines with one pooled buffer. Fill once, then take every complete line synchronously; an
/// unterminated last line (close-delimited HTTP/1.0 bodies) is returned at the end. Comments (": keepalive") are
/// lines like any other, so callers see them; <see cref="LastRead"/> gives the bytes as sent, for relaying. Measured
/// against System.Net.ServerSentEvents' SseParser (docs/performance.md): faster, and without an allocation per event.
/// Public for the diagnostics, which read backend and proxy streams with it (<see cref="ReadEventsAsync"/>).
/// </summary>
public sealed class SseLineReader(Stream stream, int maxLineBytes = SseLineReader.DefaultMaxLineBytes) : IDisposable
{
    /// <summary>The longest line accepted: far above any real chunk (mlx_lm.server sends a whole tool call, file
    /// contents included, as one line), low enough that a backend that never ends a line cannot exhaust memory.</summary>
    public const int DefaultMaxLineBytes = 8 * 1024 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private int _start;
    private int _end;
    private bool _eof;

    private int _lastReadStart;

    public bool EndOfStream => _eof && _start == _end;

    /// <summary>The bytes the last <see cref="FillAsync"/> received, exactly as sent (for relaying);
    /// valid until the next fill.</summary>
    public ReadOnlyMemory<byte> LastRead { get; private set; }

    /// <summary>Reads more bytes; false at end of stream (a pending partial line then becomes a line).</summary>
    public async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        if (_eof) return false;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            // Callers take every complete line after each fill, so what is left is one unfinished line.
            if (_end >= maxLineBytes)
                throw new BackendStreamException(
                    $"the backend sent a line longer than {maxLineBytes / (1024 * 1024.0):0.#} MB without a line break; the stream was ended");
            Grow();
        }
        _lastReadStart = _end;
        LastRead = default;
        var n = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
        if (n == 0)
        {
            _eof = true;
            if (_end > _start)
            {
                if (_end == _buffer.Length) Grow();
                _buffer[_end++] = (byte)'\n';
            }
            return false;
        }
        _end += n;
        LastRead = _buffer.AsMemory(_lastReadStart, n);
        return true;
    }

    /// <summary>The next complete line without its CR/LF.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        var pending = _buffer.AsSpan(_start, _end - _start);
        var newline = pending.IndexOf((byte)'\n');
        if (newline < 0)
        {
            line = default;
            return false;
        }
        line = pending[..newline];
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        _start += newline + 1;
        return true;
    }

    /// <summary>The events of a whole stream for clients that want events rather than lines (the diagnostics):
    /// the event field (null when none was sent) and the data lines joined by '\n'; comments are skipped.
    /// Throws <see cref="BackendStreamException"/> for an overlong line or data that is not valid UTF-8.</summary>
    public static async IAsyncEnumerable<SseEvent> ReadEventsAsync(Stream stream,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new SseLineReader(stream);
        string? name = null;
        var data = new ArrayBufferWriter<byte>();
        var hasData = false;
        var events = new List<SseEvent>();
        while (true)
        {
            var more = await reader.FillAsync(cancellationToken).ConfigureAwait(false);
            while (reader.TryReadLine(out var line))
            {
                if (line.IsEmpty)
                {
                    if (hasData) events.Add(new SseEvent(name, Text(data.WrittenSpan)));
                    name = null;
                    data.ResetWrittenCount();
                    hasData = false;
                }
                else if (line.StartsWith("event:"u8))
                {
                    name = Text(Field(line[6..])).Trim();
                }
                else if (line.StartsWith("data:"u8))
                {
                    if (hasData) data.Write("\n"u8);
                    data.Write(Field(line[5..]));
                    hasData = true;
                }
            }
            // Lines are spans into the pooled buffer: events are collected between fills, then handed out.
            foreach (var e in events) yield return e;
            events.Clear();
            if (!more) break;
        }
        if (hasData) yield return new SseEvent(name, Text(data.WrittenSpan));

        static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> value) => !value.IsEmpty && value[0] == (byte)' ' ? value[1..] : value;

        static string Text(ReadOnlySpan<byte> bytes) => System.Text.Unicode.Utf8.IsValid(bytes)
            ? System.Text.Encoding.UTF8.GetString(bytes)
            : throw new BackendStreamException("the stream sent an event that is not valid UTF-8");
    }

    private void Grow()
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Min(_buffer.Length * 2, maxLineBytes), _buffer.Length + 1));
        Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        var b = _buffer;
        _buffer = [];
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }
}

/// <summary>One server-sent event: its event field (null when none was sent) and its data lines joined by '\n'.</summary>
public readonly record struct SseEvent(string? Event, string Data);
