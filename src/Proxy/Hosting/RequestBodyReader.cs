using System.Net;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Proxy.Hosting;

/// <summary>Reads a request body up to a limit; a larger one is refused as soon as the limit is crossed
/// (the rest is never buffered).</summary>
internal static class RequestBodyReader
{
    /// <summary>Reads the body of a proxied request; a client that sends no body byte for
    /// <see cref="Configuration.ProxyOptions.RequestBodyTimeout"/> has its connection reset (the managed listener has no
    /// body timeout of its own, and a read on it cannot be cancelled), so a missing body cannot hold a request forever.
    /// The memory is the request's own (never pooled or reused): the prewarmer keeps the newest main turn's as it is.</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(RequestScope scope, long maxBytes)
    {
        var timeout = scope.Options.RequestBodyTimeout;
        var state = 0; // 0 reading, 1 done, 2 timed out
        using var timer = new Timer(_ =>
        {
            if (Interlocked.CompareExchange(ref state, 2, 0) == 0) scope.Response.Abort();
        }, null, timeout, Timeout.InfiniteTimeSpan);
        try
        {
            var body = await ReadAsync(scope.Request, maxBytes, scope.Token, () => timer.Change(timeout, Timeout.InfiniteTimeSpan)).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref state, 1, 0) == 0) return body;
        }
        catch (Exception) when (Volatile.Read(ref state) != 2)
        {
            Interlocked.CompareExchange(ref state, 1, 0);
            throw;
        }
        catch (Exception)
        {
        }
        throw new ApiException(400, "invalid_request_error",
            $"No request body byte arrived for {timeout.TotalSeconds:0.#} s; the connection was closed.");
    }

    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpListenerRequest request, long maxBytes, CancellationToken ct, Action? progress = null)
    {
        if (request.ContentLength64 > maxBytes) throw TooLarge(maxBytes);
        // Chunked bodies have no length: start small and grow, never past the limit.
        var initial = (int)Math.Min(maxBytes, request.ContentLength64 > 0 ? request.ContentLength64 : 16 * 1024);
        var buffer = new byte[initial];
        var length = 0;
        var input = request.InputStream;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length >= maxBytes)
                {
                    // One more byte proves the body is over the limit.
                    var probe = new byte[1];
                    if (await input.ReadAsync(probe, ct).ConfigureAwait(false) == 0) break;
                    throw TooLarge(maxBytes);
                }
                Array.Resize(ref buffer, (int)Math.Min(maxBytes, (long)buffer.Length * 2));
            }
            int n;
            try
            {
                n = await input.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ProtocolViolationException && !ct.IsCancellationRequested)
            {
                // The client stopped sending (half-close or a broken chunked body); it may still be reading.
                throw Truncated(request, length, e);
            }
            if (n == 0) break;
            length += n;
            progress?.Invoke();
        }
        if (request.ContentLength64 > length) throw Truncated(request, length, null);
        return buffer.AsMemory(0, length);
    }

    private static ApiException Truncated(HttpListenerRequest request, int received, Exception? cause) =>
        new(400, "invalid_request_error", request.ContentLength64 > 0
            ? $"The request body ended after {received} of the {request.ContentLength64} bytes its Content-Length announced."
            : cause is ProtocolViolationException
                ? $"The request body's chunked encoding is invalid after {received} bytes ({cause.Message})."
                : $"The request body ended after {received} bytes, before its chunked encoding was complete.", cause);

    private static ApiException TooLarge(long maxBytes) =>
        new(413, "request_too_large", $"Request body exceeds the proxy's limit of {maxBytes} bytes.");
}
