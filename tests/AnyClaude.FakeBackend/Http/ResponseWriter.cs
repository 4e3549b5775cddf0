using System.Globalization;
using System.Text;

namespace AnyClaude.FakeBackend.Http;

/// <summary>
/// Writes responses the way each real server frames them on the wire.
/// mlx_lm.server is Python's BaseHTTPRequestHandler: HTTP/1.0, no chunked encoding, streams and error bodies
/// are close-delimited (the server closes the socket), only non-streaming successes carry Content-Length.
/// LM Studio is an Express (Node) server: HTTP/1.1 keep-alive, Content-Length on JSON, chunked SSE streams.
/// </summary>
internal sealed class ResponseWriter(Stream stream, FakeFlavor flavor, bool headOnly = false)
{
    private bool _chunked;

    /// <summary>True when the connection must be closed after this response (mlx always; LM Studio never by itself).</summary>
    public bool MustClose => flavor == FakeFlavor.MlxLm;

    public Task WriteJsonAsync(int status, string json, CancellationToken ct) =>
        WriteBodyAsync(status, flavor == FakeFlavor.MlxLm ? "application/json" : "application/json; charset=utf-8", Encoding.UTF8.GetBytes(json), ct);

    /// <summary>A full response. mlx sends Content-Length only on 200 completions; errors and 404s are close-delimited.</summary>
    public Task WriteBodyAsync(int status, string contentType, byte[] body, CancellationToken ct) =>
        WriteAsync(status, contentType, body, withLength: flavor == FakeFlavor.LmStudio || status == 200, ct);

    /// <summary>A close-delimited body (mlx's GET endpoints write no Content-Length).</summary>
    public Task WriteBodyWithoutLengthAsync(int status, string contentType, byte[] body, CancellationToken ct) =>
        WriteAsync(status, contentType, body, withLength: flavor == FakeFlavor.LmStudio, ct);

    private async Task WriteAsync(int status, string contentType, byte[] body, bool withLength, CancellationToken ct)
    {
        var headers = new StringBuilder();
        AppendStatusAndCommon(headers, status, contentType);
        if (withLength)
        {
            headers.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }
        headers.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(headers.ToString()), ct);
        if (!headOnly)
        {
            await stream.WriteAsync(body, ct); // a HEAD answer has the headers only
        }
        await stream.FlushAsync(ct);
    }

    public async Task StartStreamAsync(CancellationToken ct)
    {
        var headers = new StringBuilder();
        AppendStatusAndCommon(headers, 200, "text/event-stream");
        headers.Append("Cache-Control: no-cache\r\n");
        if (flavor == FakeFlavor.LmStudio)
        {
            headers.Append("Transfer-Encoding: chunked\r\n");
            _chunked = true;
        }
        headers.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(headers.ToString()), ct);
        await stream.FlushAsync(ct);
    }

    public async Task WriteStreamAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (_chunked)
        {
            // One write per chunk (size line, data, CRLF): fewer syscalls when benchmarks stream thousands of chunks.
            var size = Encoding.ASCII.GetBytes(data.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n");
            var frame = new byte[size.Length + data.Length + 2];
            size.CopyTo(frame, 0);
            data.Span.CopyTo(frame.AsSpan(size.Length));
            frame[^2] = (byte)'\r';
            frame[^1] = (byte)'\n';
            await stream.WriteAsync(frame, ct);
        }
        else
        {
            await stream.WriteAsync(data, ct);
        }
        await stream.FlushAsync(ct);
    }

    /// <summary>Ends a stream properly: the terminating chunk for LM Studio; nothing for mlx (closing the socket ends it).</summary>
    public async Task EndStreamAsync(CancellationToken ct)
    {
        if (_chunked)
        {
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
            await stream.FlushAsync(ct);
        }
    }

    private void AppendStatusAndCommon(StringBuilder headers, int status, string contentType)
    {
        var date = DateTime.UtcNow.ToString("r", CultureInfo.InvariantCulture);
        if (flavor == FakeFlavor.MlxLm)
        {
            // BaseHTTPRequestHandler.send_response: protocol_version HTTP/1.0, Server and Date headers first.
            headers.Append("HTTP/1.0 ").Append(status).Append(' ').Append(ReasonPhrase(status)).Append("\r\n");
            headers.Append("Server: BaseHTTP/0.6 Python/3.12.8\r\nDate: ").Append(date).Append("\r\n");
            headers.Append("Content-type: ").Append(contentType).Append("\r\n");
            headers.Append("Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Methods: *\r\nAccess-Control-Allow-Headers: *\r\n");
        }
        else
        {
            headers.Append("HTTP/1.1 ").Append(status).Append(' ').Append(ReasonPhrase(status)).Append("\r\n");
            headers.Append("X-Powered-By: Express\r\nAccess-Control-Allow-Origin: *\r\n");
            headers.Append("Content-Type: ").Append(contentType).Append("\r\n");
            headers.Append("Date: ").Append(date).Append("\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n");
        }
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
}
