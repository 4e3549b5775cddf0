using System.Text;

namespace AnyClaude.FakeBackend.Http;

/// <summary>Minimal HTTP/1.x request parser over a raw stream: request line, headers, Content-Length or chunked body.
/// The one test-side request reader: the fake backend's, the loopback harness's backends (bench/) and the tests'
/// raw-socket backend read requests with it.</summary>
public sealed class HttpRequestReader(Stream stream)
{
    private const int MaxHeaderBytes = 64 * 1024;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <summary>Reads the next request; null when the client closed the connection before sending one.</summary>
    public async Task<HttpRequestData?> ReadAsync(CancellationToken ct)
    {
        var requestLine = await ReadLineAsync(ct);
        while (requestLine is { Length: 0 })
        {
            requestLine = await ReadLineAsync(ct); // tolerate stray CRLF between requests
        }
        if (requestLine is null)
        {
            return null;
        }

        var parts = requestLine.Split(' ');
        if (parts.Length != 3)
        {
            throw new InvalidDataException("Malformed request line.");
        }

        var headers = new List<KeyValuePair<string, string>>();
        var headerBytes = 0;
        while (true)
        {
            var line = await ReadLineAsync(ct) ?? throw new InvalidDataException("Connection closed inside headers.");
            if (line.Length == 0)
            {
                break;
            }
            headerBytes += line.Length;
            if (headerBytes > MaxHeaderBytes)
            {
                throw new InvalidDataException("Headers too large.");
            }
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new InvalidDataException("Malformed header line.");
            }
            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        var request = new HttpRequestData { Method = parts[0], Target = parts[1], Version = parts[2], Headers = headers };
        var contentLength = request.Header("Content-Length");
        var transferEncoding = request.Header("Transfer-Encoding");
        byte[]? body = null;
        if (contentLength is not null)
        {
            if (!int.TryParse(contentLength, out var length) || length < 0)
            {
                throw new InvalidDataException("Bad Content-Length.");
            }
            body = await ReadExactAsync(length, ct);
        }
        else if (transferEncoding is not null && transferEncoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = await ReadChunkedAsync(ct);
        }

        return new HttpRequestData
        {
            Method = request.Method,
            Target = request.Target,
            Version = request.Version,
            Headers = headers,
            Body = body,
            HadContentLength = contentLength is not null,
        };
    }

    private async Task<byte[]> ReadChunkedAsync(CancellationToken ct)
    {
        using var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await ReadLineAsync(ct) ?? throw new InvalidDataException("Connection closed inside chunked body.");
            var semi = sizeLine.IndexOf(';');
            var size = Convert.ToInt32(semi < 0 ? sizeLine : sizeLine[..semi], 16);
            if (size == 0)
            {
                while (await ReadLineAsync(ct) is { Length: > 0 })
                {
                    // trailers are ignored
                }
                return body.ToArray();
            }
            var chunk = await ReadExactAsync(size, ct);
            body.Write(chunk);
            await ReadLineAsync(ct);
        }
    }

    private async Task<byte[]> ReadExactAsync(int length, CancellationToken ct)
    {
        var result = new byte[length];
        var copied = 0;
        while (copied < length)
        {
            if (_start == _end && !await FillAsync(ct))
            {
                throw new InvalidDataException("Connection closed inside body.");
            }
            var n = Math.Min(length - copied, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, copied, n);
            _start += n;
            copied += n;
        }
        return result;
    }

    /// <summary>Reads one CRLF- (or LF-) terminated line as Latin-1; null at end of stream before any byte.</summary>
    private async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(ct))
            {
                return line.Length == 0 ? null : throw new InvalidDataException("Connection closed inside a line.");
            }
            var b = _buffer[_start++];
            if (b == (byte)'\n')
            {
                if (line.Length > 0 && line[^1] == '\r')
                {
                    line.Length--;
                }
                return line.ToString();
            }
            line.Append((char)b);
            if (line.Length > MaxHeaderBytes)
            {
                throw new InvalidDataException("Line too long.");
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        _start = 0;
        if (_pendingFill is { } pending)
        {
            _pendingFill = null;
            _end = await pending.WaitAsync(ct);
        }
        else
        {
            _end = await stream.ReadAsync(_buffer, ct);
        }
        return _end > 0;
    }

    private Task<int>? _pendingFill;

    /// <summary>
    /// Starts reading ahead while a response is produced; completes with true when the client closes its side.
    /// Whatever arrives instead (a pipelined request) stays buffered for the next ReadAsync.
    /// </summary>
    public Task<bool> WatchForCloseAsync(CancellationToken ct)
    {
        if (_start < _end || _pendingFill is not null)
        {
            return Task.FromResult(false);
        }
        _pendingFill = stream.ReadAsync(_buffer, ct).AsTask();
        return _pendingFill.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result == 0 : t.Exception is not null,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
