using System.Management.Automation;
using AnyClaude.Cmdlets.Session;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Cmdlets.Commands;

/// <summary>
/// <para type="synopsis">Gets the AnyClaude proxy running in this session, or its recent requests.</para>
/// <para type="description">Without parameters, emits the running proxy (BaseUrl, Port, Token, Mode, Model, StartedAt).
/// With -Request, emits the proxy's recent request records, oldest first: mode, model, status, time to first token,
/// duration, input, output and cached tokens, stop reason and error. Emits nothing when no proxy runs.</para>
/// </summary>
/// <example>
/// <code>Get-AnyClaude</code>
/// <para>Shows the running proxy.</para>
/// </example>
/// <example>
/// <code>Get-AnyClaude -All | Format-Table ProcessId, Mode, BaseUrl</code>
/// <para>Also lists the proxies running in your other pwsh windows.</para>
/// </example>
/// <example>
/// <code>Get-AnyClaude -Request -Last 5 | Format-Table Time, Mode, Status, TimeToFirstToken, CachedTokens</code>
/// <para>Shows the five most recent requests and how much of each prompt came from the backend's cache.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "AnyClaude", DefaultParameterSetName = ProxySet)]
[OutputType(typeof(ProxyInfo), ParameterSetName = [ProxySet])]
[OutputType(typeof(RequestInfo), ParameterSetName = [RequestSet])]
public sealed class GetAnyClaudeCommand : PSCmdlet
{
    private const string ProxySet = "Proxy";
    private const string RequestSet = "Request";

    /// <summary>
    /// <para type="description">Emit the proxy's request records instead of the proxy.</para>
    /// </summary>
    [Parameter(ParameterSetName = RequestSet, Mandatory = true)]
    public SwitchParameter Request { get; set; }

    /// <summary>
    /// <para type="description">Only the most recent N records.</para>
    /// </summary>
    [Parameter(ParameterSetName = RequestSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    /// <summary>
    /// <para type="description">Also emit the proxies running in this user's other pwsh processes, found through their state
    /// files and asked through their authenticated control endpoints.</para>
    /// </summary>
    [Parameter(ParameterSetName = ProxySet)]
    public SwitchParameter All { get; set; }

    protected override void EndProcessing()
    {
        ProxyServer? proxy = ProxySession.Current;
        if (!Request)
        {
            if (proxy is not null)
            {
                WriteObject(ProxyInfo.From(proxy));
            }
            else
            {
                WriteVerbose("No AnyClaude proxy is running in this session.");
            }

            if (All)
            {
                WriteOtherProcessesProxies();
            }

            return;
        }

        if (proxy is null)
        {
            WriteVerbose("No AnyClaude proxy is running in this session.");
            return;
        }

        IReadOnlyList<Proxy.Observability.RequestRecord> records = proxy.GetRecords();
        IEnumerable<Proxy.Observability.RequestRecord> selected = Last > 0 ? records.Skip(Math.Max(0, records.Count - Last)) : records;
        // Estimated cached tokens need the whole history: the coldest prompt sets the rate.
        IReadOnlyDictionary<Proxy.Observability.RequestRecord, int> estimates = Proxy.Observability.CacheEstimator.Estimate(records);
        foreach (var record in selected)
        {
            WriteObject(RequestInfo.From(record, estimates.TryGetValue(record, out int estimate) ? estimate : null));
        }
    }

    private void WriteOtherProcessesProxies()
    {
        foreach (ProxyState state in ProxyStateFile.ReadLive().Where(s => s.ProcessId != Environment.ProcessId))
        {
            try
            {
                var client = new ProxyControlClient(state);
                ProxyStatus status = Task.Run(() => client.GetStatusAsync()).GetAwaiter().GetResult();
                int requests = Task.Run(() => client.GetRecordsAsync()).GetAwaiter().GetResult().Count;
                WriteObject(ProxyInfo.From(status, requests));
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or TaskCanceledException)
            {
                WriteWarning($"The proxy of process {state.ProcessId} at {state.BaseUrl} did not answer: {e.Message}");
            }
        }
    }
}
