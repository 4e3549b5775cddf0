using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Cmdlets.Session;

/// <summary>Where Get-AnyClaude -Request reads records from: this session's proxy directly, or another
/// process's proxy through its control endpoint (its control credential is ProxyControlClient's business).</summary>
internal sealed class RecordFeed
{
    private readonly Func<long, TimeSpan, CancellationToken, Task<RecordBatch>> _read;

    private RecordFeed(int processId, int port, string description, Func<long, TimeSpan, CancellationToken, Task<RecordBatch>> read)
    {
        ProcessId = processId;
        Port = port;
        Description = description;
        _read = read;
    }

    /// <summary>The pwsh process the proxy runs in.</summary>
    public int ProcessId { get; }
    public int Port { get; }
    public string Description { get; }

    public static RecordFeed Local(ProxyServer proxy) => new(Environment.ProcessId, proxy.Port, $"this session's proxy at {proxy.BaseUrl}",
        async (after, wait, ct) =>
        {
            var batch = await proxy.ReadRecordsAsync(after, wait, ct).ConfigureAwait(false);
            if (!proxy.IsRunning && batch.Records.Count == 0)
                throw new ProxyControlException(ProxyControlFailure.Unreachable, $"The proxy at {proxy.BaseUrl} stopped.");
            return batch;
        });

    public static RecordFeed Remote(ProxyState state)
    {
        var client = new ProxyControlClient(state);
        return new(state.ProcessId, state.Port, $"the proxy of process {state.ProcessId} at {state.BaseUrl}", client.ReadRecordsAsync);
    }

    /// <summary>Records numbered after <paramref name="after"/>; waits up to <paramref name="wait"/> for one when none is there.
    /// Throws <see cref="ProxyControlException"/> when the proxy is gone.</summary>
    public Task<RecordBatch> ReadAsync(long after, TimeSpan wait, CancellationToken cancellationToken) => _read(after, wait, cancellationToken);

    /// <summary>This session's proxy, else (or with <paramref name="all"/>, also) those of the user's other processes.</summary>
    public static IReadOnlyList<RecordFeed> Find(bool all)
    {
        var feeds = new List<RecordFeed>();
        if (ProxySession.Current is { } local) feeds.Add(Local(local));
        if (feeds.Count > 0 && !all) return feeds;
        foreach (var state in ProxyStateFile.ReadLive().Where(s => s.ProcessId != Environment.ProcessId))
        {
            feeds.Add(Remote(state));
            if (!all) break; // ReadLive lists the newest first
        }
        return feeds;
    }
}
