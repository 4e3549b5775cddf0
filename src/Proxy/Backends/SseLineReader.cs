using System.Buffers;

namespace AnyClaude.Proxy.Backends;

/// <summary>
/// Splits a backend's byte stream into lines with one pooled buffer. Fill once, then take every complete
/// line synchronously; an unterminated last line (close-delimited HTTP/1.0 bodies) is returned at the end.
/// </summary>
internal sealed class SseLineReader(Stream stream, int maxLineBytes = SseLineReader.DefaultMaxLineBytes) : IDisposable
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
                throw new Translation.BackendStreamException(
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
