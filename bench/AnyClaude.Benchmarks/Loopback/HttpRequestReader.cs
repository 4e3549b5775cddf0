using System.Net.Sockets;
using System.Text;

namespace AnyClaude.Benchmarks.Loopback;

internal sealed record HttpRequestHead(string Method, string Target, bool Close);

/// <summary>Reads HTTP/1.1 requests off a socket and discards their bodies (Content-Length or chunked).
/// Just enough HTTP for the canned backend; not a general parser.</summary>
internal sealed class HttpRequestReader(Socket socket)
{
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;

    /// <summary>The next request's head with its body consumed; null when the peer closed.</summary>
    public HttpRequestHead? ReadRequest()
    {
        int headEnd;
        while ((headEnd = IndexOf("\r\n\r\n"u8)) < 0)
            if (!Fill()) return null;
        var head = Encoding.ASCII.GetString(_buffer, _start, headEnd - _start);
        _start = headEnd + 4;

        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        long contentLength = 0;
        bool chunked = false, close = false;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) contentLength = long.Parse(value);
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase)) close = value.Equals("close", StringComparison.OrdinalIgnoreCase);
        }
        if (chunked) SkipChunkedBody();
        else Skip(contentLength);
        return new HttpRequestHead(requestLine[0], requestLine.Length > 1 ? requestLine[1] : "/", close);
    }

    private void SkipChunkedBody()
    {
        while (true)
        {
            int lineEnd;
            while ((lineEnd = IndexOf("\r\n"u8)) < 0)
                if (!Fill()) throw new IOException("connection closed inside a chunked body");
            var sizeText = Encoding.ASCII.GetString(_buffer, _start, lineEnd - _start).Split(';')[0];
            _start = lineEnd + 2;
            var size = Convert.ToInt64(sizeText, 16);
            Skip(size + 2);
            if (size == 0) return;
        }
    }

    private void Skip(long count)
    {
        while (count > 0)
        {
            if (_start == _end && !Fill()) throw new IOException("connection closed inside a body");
            var take = (int)Math.Min(count, _end - _start);
            _start += take;
            count -= take;
        }
    }

    private int IndexOf(ReadOnlySpan<byte> marker)
    {
        var i = _buffer.AsSpan(_start, _end - _start).IndexOf(marker);
        return i < 0 ? -1 : _start + i;
    }

    private bool Fill()
    {
        if (_start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var n = socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        if (n == 0) return false;
        _end += n;
        return true;
    }
}
