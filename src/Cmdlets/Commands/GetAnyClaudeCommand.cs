using System.Management.Automation;
using AnyClaude.Cmdlets.Completion;
using AnyClaude.Cmdlets.Pipeline;
using AnyClaude.Cmdlets.Session;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Cmdlets.Commands;

// Over 300 lines for a reason: one cmdlet, four views a user asks for by switch (proxies, records, the live feed,
// a finished session), with 58 lines of help text; each view is one method below.

/// <summary>
/// <para type="synopsis">Gets the AnyClaude proxy running in this session, or the requests it served, from any pwsh window.</para>
/// <para type="description">Without parameters, emits the running proxy (BaseUrl, Port, Token, Mode, Model, StartedAt).
/// With -Request, emits request records, oldest first: mode, model, status, time to first token, duration, input,
/// output and cached tokens, stop reason and error. The records come from this session's proxy or, when this session
/// runs none, from the newest proxy of your other pwsh windows (through its authenticated control endpoint);
/// -All merges every running proxy's records, with ProxyId and Port telling them apart. -Wait keeps emitting each
/// record as its request completes, until Ctrl+C: a live monitor or a logger. A proxy keeps its records after it
/// stops: -Session reads a finished session's (Last for the most recent one).</para>
/// </summary>
/// <example>
/// <code>Get-AnyClaude</code>
/// <para>Shows the running proxy.</para>
/// </example>
/// <example>
/// <code>Get-AnyClaude -All | Format-Table ProcessId, Mode, Port, Requests</code>
/// <para>Also lists the proxies running in your other pwsh windows.</para>
/// </example>
/// <example>
/// <code>Get-AnyClaude -Request -Last 5 | Format-Table Time, Mode, Status, TimeToFirstToken, CachedTokens</code>
/// <para>Shows the five most recent requests (of this window's proxy, or of the one Start-AnyClaude runs in another
/// window) and how much of each prompt came from the backend's cache.</para>
/// </example>
/// <example>
/// <code>Get-AnyClaude -Request -Wait | Format-Table Time, Mode, Model, TimeToFirstToken, CachedTokens, Status</code>
/// <para>A live monitor: one row per request as it completes, until Ctrl+C.</para>
/// </example>
/// <example>
/// <code>Get-AnyClaude -Request -Wait | Export-Csv requests.csv</code>
/// <para>A logger: every request, as it completes, appended to a CSV file until Ctrl+C.</para>
/// </example>
/// <example>
/// <code>Get-AnyClaude -Request -Session Last | Measure-Object CachedTokens, InputTokens -Sum</code>
/// <para>Reads the records of the last finished session (after Claude Code exited and its proxy stopped).</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "AnyClaude", DefaultParameterSetName = ProxySet)]
[OutputType(typeof(ProxyInfo), ParameterSetName = [ProxySet])]
[OutputType(typeof(RequestInfo), ParameterSetName = [RequestSet, SessionSet])]
public sealed class GetAnyClaudeCommand : AsyncCmdlet
{
    private const string ProxySet = "Proxy";
    private const string RequestSet = "Request";
    private const string SessionSet = "Session";

    /// <summary>How long one live-view call waits at the proxy before asking again.</summary>
    private static readonly TimeSpan s_pollWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <para type="description">Emit request records instead of the proxy.</para>
    /// </summary>
    [Parameter(ParameterSetName = RequestSet, Mandatory = true)]
    [Parameter(ParameterSetName = SessionSet, Mandatory = true)]
    public SwitchParameter Request { get; set; }

    /// <summary>
    /// <para type="description">Only the most recent N records (with -Wait: of those already there; new ones all follow).</para>
    /// </summary>
    [Parameter(ParameterSetName = RequestSet)]
    [Parameter(ParameterSetName = SessionSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    /// <summary>
    /// <para type="description">Also the proxies running in this user's other pwsh processes, found through their state
    /// files and asked through their authenticated control endpoints. With -Request, their records are merged by time.</para>
    /// </summary>
    [Parameter(ParameterSetName = ProxySet)]
    [Parameter(ParameterSetName = RequestSet)]
    public SwitchParameter All { get; set; }

    /// <summary>
    /// <para type="description">Keep emitting each record as its request completes, until Ctrl+C (like Get-Content -Wait).</para>
    /// </summary>
    [Parameter(ParameterSetName = RequestSet)]
    public SwitchParameter Wait { get; set; }

    /// <summary>
    /// <para type="description">Read a session's kept records instead of a running proxy's: a session id (the records file's
    /// name in the sessions folder of the state directory), or Last for the most recent finished session.</para>
    /// </summary>
    [Parameter(ParameterSetName = SessionSet, Mandatory = true)]
    [ArgumentCompleter(typeof(SessionCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Session { get; set; }

    protected override void EndProcessing()
    {
        if (!Request)
        {
            WriteProxies();
            return;
        }

        if (Session is not null)
        {
            WriteSession(Session);
            return;
        }

        var feeds = RecordFeed.Find(All);
        if (feeds.Count == 0)
        {
            var problem = new ItemNotFoundException(
                "No AnyClaude proxy is running for this user (in this window or another). Start one with Start-AnyClaude, " +
                "or read a finished session with Get-AnyClaude -Request -Session Last.");
            if (Wait) WriteError(new ErrorRecord(problem, "NoProxyRunning", ErrorCategory.ObjectNotFound, null));
            else WriteWarning(problem.Message);
            return;
        }

        foreach (var feed in feeds) WriteVerbose($"Reading the records of {feed.Description}.");
        if (Wait) WriteLive(feeds);
        else WriteSnapshot(feeds);
    }

    private void WriteProxies()
    {
        var proxy = ProxySession.Current;
        if (proxy is not null) WriteObject(ProxyInfo.From(proxy));
        else WriteVerbose("No AnyClaude proxy is running in this session.");

        if (All) WriteOtherProcessesProxies();
    }

    private void WriteSnapshot(IReadOnlyList<RecordFeed> feeds) => WriteTail(ReadBacklog(feeds).Records);

    private void WriteTail(List<RequestInfo> records) =>
        WriteObject(Last > 0 ? records.Skip(Math.Max(0, records.Count - Last)) : records, enumerateCollection: true);

    /// <summary>What each proxy holds now, merged by time, with each proxy's records and where its feed continues
    /// (null for a proxy that did not answer).</summary>
    private (List<RequestInfo> Records, List<RequestRecord>?[] Histories, long[] Cursors) ReadBacklog(IReadOnlyList<RecordFeed> feeds)
    {
        var merged = new List<RequestInfo>();
        var histories = new List<RequestRecord>?[feeds.Count];
        var cursors = new long[feeds.Count];
        Await(async (pipeline, cancellationToken) =>
        {
            for (var i = 0; i < feeds.Count; i++)
            {
                var feed = feeds[i];
                try
                {
                    var batch = await feed.ReadAsync(0, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                    histories[i] = batch.Records.ToList();
                    cursors[i] = batch.Next;
                    merged.AddRange(ToInfo(feed, histories[i]!, batch.Records));
                }
                catch (ProxyControlException e)
                {
                    pipeline.WriteWarning($"{Capitalise(feed.Description)} did not answer: {e.Message}");
                }
            }
        });

        if (feeds.Count > 1) merged.Sort((a, b) => a.Time.CompareTo(b.Time));
        return (merged, histories, cursors);
    }

    /// <summary>Records as emitted, with the cache estimate where the backend reports none: the estimate needs the
    /// proxy's whole history (the coldest prompt sets the rate), so <paramref name="history"/> includes them.</summary>
    private static IEnumerable<RequestInfo> ToInfo(RecordFeed feed, IReadOnlyCollection<RequestRecord> history, IEnumerable<RequestRecord> records)
    {
        var estimates = CacheEstimator.Estimate(history);
        return records.Select(r => RequestInfo.From(r, feed.ProcessId, feed.Port, estimates.TryGetValue(r, out var e) ? e : null)).ToList();
    }

    private const int MaxLiveHistory = 2_000;

    /// <summary>One long-poll loop per proxy; records reach the pipeline on its thread, until every proxy is gone or Ctrl+C.</summary>
    private void WriteLive(IReadOnlyList<RecordFeed> feeds)
    {
        var backlog = ReadBacklog(feeds);
        WriteTail(backlog.Records);
        Await((pipeline, cancellationToken) => Task.WhenAll(feeds.Select((feed, i) => backlog.Histories[i] is { } history
            ? FollowAsync(feed, history, backlog.Cursors[i], pipeline, cancellationToken)
            : Task.CompletedTask)));
    }

    private static async Task FollowAsync(RecordFeed feed, List<RequestRecord> history, long after, AsyncPipeline pipeline, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var batch = await feed.ReadAsync(after, s_pollWait, cancellationToken).ConfigureAwait(false);
                history.AddRange(batch.Records);
                if (history.Count > MaxLiveHistory) history.RemoveRange(0, history.Count - MaxLiveHistory); // a feed may run for days
                foreach (var info in ToInfo(feed, history, batch.Records)) pipeline.WriteObject(info);
                after = batch.Next;
            }
        }
        catch (ProxyControlException e)
        {
            pipeline.WriteWarning($"{Capitalise(feed.Description)} is gone ({e.Message}); no more records from it.");
        }
    }

    private void WriteSession(string session)
    {
        var sessions = SessionFiles.List();
        SessionFile? file;
        if (string.Equals(session, "Last", StringComparison.OrdinalIgnoreCase))
        {
            var live = ProxyStateFile.ReadLive().Select(s => (s.ProcessId, s.Port)).ToHashSet();
            if (ProxySession.Current is { } own) live.Add((Environment.ProcessId, own.Port));
            file = sessions.FirstOrDefault(s => !live.Contains((s.ProcessId, s.Port)));
        }
        else
        {
            file = sessions.FirstOrDefault(s => string.Equals(s.Id, session, StringComparison.OrdinalIgnoreCase));
        }

        if (file is null)
        {
            var known = sessions.Count == 0 ? "none is kept yet" : "kept: " + string.Join(", ", sessions.Take(5).Select(s => s.Id)) + (sessions.Count > 5 ? ", ..." : "");
            ThrowTerminatingError(new ErrorRecord(
                new ItemNotFoundException($"No finished AnyClaude session '{session}' in {SessionFiles.SessionsDirectory} ({known}). " +
                                          "Sessions are kept for proxies started by Start-AnyClaude; tab completion lists their ids."),
                "SessionNotFound", ErrorCategory.ObjectNotFound, session));
            return;
        }

        WriteVerbose($"Reading session {file.Id} ({file.Path}).");
        IReadOnlyList<RequestRecord> records;
        try
        {
            records = SessionFiles.ReadRecords(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "SessionUnreadable", ErrorCategory.ReadError, file.Path));
            return;
        }

        var selected = Last > 0 ? records.Skip(Math.Max(0, records.Count - Last)) : records;
        var estimates = CacheEstimator.Estimate(records);
        WriteObject(selected.Select(r => RequestInfo.From(r, file.ProcessId, file.Port, estimates.TryGetValue(r, out var e) ? e : null)), enumerateCollection: true);
    }

    private void WriteOtherProcessesProxies() => Await(async (pipeline, cancellationToken) =>
    {
        foreach (var state in ProxyStateFile.ReadLive().Where(s => s.ProcessId != Environment.ProcessId))
        {
            try
            {
                var client = new ProxyControlClient(state);
                var status = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
                var requests = (await client.GetRecordsAsync(cancellationToken).ConfigureAwait(false)).Count;
                pipeline.WriteObject(ProxyInfo.From(status, requests));
            }
            catch (ProxyControlException e)
            {
                pipeline.WriteWarning($"The proxy of process {state.ProcessId} at {state.BaseUrl} did not answer: {e.Message}");
            }
        }
    });

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
