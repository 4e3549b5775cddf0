namespace AnyClaude.Proxy.Backends;

internal static class BackendBodies
{
    /// <summary>The backend's Retry-After header as sent (seconds or an HTTP date), for a busy backend's error.</summary>
    public static string? RetryAfter(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Retry-After", out var values) ? values.FirstOrDefault() : null;

    /// <summary>The backend's own x-should-retry (the real Anthropic API sends it).</summary>
    public static bool? ShouldRetry(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-should-retry", out var values) && bool.TryParse(values.FirstOrDefault(), out var retry) ? retry : null;

    private const int MaxErrorBody = 64 * 1024;

    /// <summary>An error body, at most 64 KB (enough for any message; a runaway body is not buffered).</summary>
    public static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[MaxErrorBody];
        var length = 0;
        try
        {
            int n;
            while (length < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false)) > 0) length += n;
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
        {
        }
        return buffer[..length];
    }
}
