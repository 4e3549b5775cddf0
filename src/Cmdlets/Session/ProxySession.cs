using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Cmdlets.Session;

/// <summary>
/// The one proxy of this pwsh process. Cmdlets (including the diagnostics ones) read it on the pipeline
/// thread; the proxy's own threads never call back here.
/// </summary>
internal static class ProxySession
{
    private static readonly object s_gate = new();
    private static ProxyServer? s_current;

    /// <summary>The running proxy, or null when none was started (or it was stopped).</summary>
    public static ProxyServer? Current
    {
        get
        {
            lock (s_gate)
            {
                return s_current is { IsRunning: true } ? s_current : null;
            }
        }
    }

    /// <summary>Starts a proxy and makes it the session's; fails when one is already running.</summary>
    public static ProxyServer Start(ProxyOptions options)
    {
        lock (s_gate)
        {
            if (s_current is { IsRunning: true })
            {
                throw new InvalidOperationException($"A proxy is already running at {s_current.BaseUrl}.");
            }

            s_current = ProxyServer.Start(options);
            return s_current;
        }
    }

    /// <summary>Stops the session's proxy (if any) and frees its port. Returns the stopped proxy.</summary>
    public static ProxyServer? Stop()
    {
        ProxyServer? proxy;
        lock (s_gate)
        {
            proxy = s_current;
            s_current = null;
        }

        if (proxy is not null)
        {
            // Off the pipeline thread's context so a continuation can never need it. Not cancellable on purpose:
            // Ctrl+C must not leave the port taken or requests half-recorded (stopping takes milliseconds).
            Task.Run(proxy.StopAsync).GetAwaiter().GetResult();
        }

        return proxy;
    }
}
