namespace AnyClaude.Proxy.Backends;

internal static class BackendBodies
{
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
