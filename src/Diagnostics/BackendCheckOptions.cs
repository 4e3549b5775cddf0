using System.Diagnostics;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics;

/// <summary>A running proxy to send requests through (a session's or another process's).</summary>
public sealed record ProxyEndpoint(Uri BaseUrl, string Token)
{
    /// <summary>The proxy's own record of a request, by the request-id it answered with (null: not found). Set where the
    /// proxy's records can be read (an in-process proxy): the record says whether the backend reported cached tokens,
    /// which the usage the proxy sends Claude Code cannot (it always carries cache_read_input_tokens).</summary>
    public Func<string, CancellationToken, Task<AnyClaude.Proxy.Observability.RequestRecord?>>? FindRecord { get; init; }

    /// <summary>An endpoint for an in-process proxy, with <see cref="FindRecord"/> reading its records.</summary>
    public static ProxyEndpoint For(AnyClaude.Proxy.Hosting.ProxyServer server) =>
        new(server.BaseUrl, server.Token) { FindRecord = (id, ct) => FindRecordAsync(server, id, ct) };

    private static async Task<AnyClaude.Proxy.Observability.RequestRecord?> FindRecordAsync(AnyClaude.Proxy.Hosting.ProxyServer server, string id, CancellationToken ct)
    {
        // The proxy commits a request's record just after the response's last byte: look in what it holds, then follow its
        // record feed (the live view's long poll) for up to 2 s rather than polling the whole history.
        var clock = Stopwatch.StartNew();
        var batch = await server.ReadRecordsAsync(0, TimeSpan.Zero, ct).ConfigureAwait(false);
        while (true)
        {
            for (var i = batch.Records.Count - 1; i >= 0; i--)
                if (batch.Records[i].Id == id) return batch.Records[i];
            var remaining = s_recordWait - clock.Elapsed;
            if (remaining <= TimeSpan.Zero) return null;
            batch = await server.ReadRecordsAsync(batch.Next, remaining, ct).ConfigureAwait(false);
        }
    }

    private static readonly TimeSpan s_recordWait = TimeSpan.FromSeconds(2);
}

/// <summary>What to check and how patiently.</summary>
public sealed record BackendCheckOptions
{
    /// <summary>The backend's effective settings (URL, model, tool calls, context window).</summary>
    public required BackendSettings Backend { get; init; }

    /// <summary>The proxy for the round-trip check; null starts a private proxy on a free loopback port.</summary>
    public ProxyEndpoint? Proxy { get; init; }

    /// <summary>How long to wait for a TCP connection: a dead backend fails within this.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Model lists and other quick calls.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Completions (a real model may need to load first).</summary>
    public TimeSpan CompletionTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Size of the repeated prompt of the cache check.</summary>
    public int CachePromptTokens { get; init; } = 4096;

    /// <summary>Backends that report cached tokens pass the cache check when the repeat has at least this share cached.</summary>
    public double CacheHitThreshold { get; init; } = 0.5;

    /// <summary>Backends that do not (LM Studio) pass when the repeat's time to first token is at most this fraction of the first's.</summary>
    public double CacheSpeedupThreshold { get; init; } = 0.5;

    /// <summary>The context window Claude Code needs in this mode; null derives it from the measured footprint.</summary>
    public int? RequiredContextTokens { get; init; }
}
