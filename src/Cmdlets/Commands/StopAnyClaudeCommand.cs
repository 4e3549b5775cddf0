using System.Management.Automation;
using AnyClaude.Cmdlets.Session;

namespace AnyClaude.Cmdlets.Commands;

/// <summary>
/// <para type="synopsis">Stops the AnyClaude proxy of this pwsh session.</para>
/// <para type="description">Stops listening, cancels requests in flight, frees the port and removes the state file other
/// pwsh windows use to find the proxy. Does nothing when no proxy is running, so it is safe in cleanup blocks.
/// With -PassThru it emits a summary of everything the proxy served; with -Forget it also deletes the remembered session
/// heads Start-AnyClaude warms the backend with.</para>
/// </summary>
/// <example>
/// <code>Stop-AnyClaude</code>
/// <para>Stops the proxy started with Start-AnyClaude -NoLaunch.</para>
/// </example>
/// <example>
/// <code>Stop-AnyClaude -PassThru | Format-List</code>
/// <para>Stops the proxy and shows the requests, tokens and cache-hit ratio of its whole life.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Stop, "AnyClaude", SupportsShouldProcess = true)]
[OutputType(typeof(SessionSummary))]
public sealed class StopAnyClaudeCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">Emit a summary of the requests the proxy served before it stopped.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>
    /// <para type="description">Also forget every remembered session head (the warm-start files in the private state folder,
    /// warm/head-*.json), whether a proxy is running or not.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Forget { get; set; }

    protected override void EndProcessing()
    {
        if (Forget && ShouldProcess(Proxy.WarmStart.WarmStartStore.Directory, "Delete the remembered session heads"))
        {
            try
            {
                var deleted = Proxy.WarmStart.WarmStartStore.Forget();
                WriteVerbose($"Forgot {deleted} remembered session head(s) in {Proxy.WarmStart.WarmStartStore.Directory}.");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "WarmStartForgetFailed", ErrorCategory.WriteError, Proxy.WarmStart.WarmStartStore.Directory));
            }
        }

        var proxy = ProxySession.Current;
        if (proxy is null)
        {
            WriteVerbose("No AnyClaude proxy is running in this session; nothing to stop.");
            return;
        }

        if (!ShouldProcess(proxy.BaseUrl.ToString(), "Stop the AnyClaude proxy"))
        {
            return;
        }

        var records = proxy.GetRecords();
        var startedAt = proxy.StartedAt;
        WriteVerbose($"Stopping the proxy at {proxy.BaseUrl} after {records.Count} request(s).");
        ProxySession.Stop();
        if (PassThru)
        {
            WriteObject(SessionSummary.From(startedAt, DateTimeOffset.Now, records, exitCode: null));
        }
    }
}
