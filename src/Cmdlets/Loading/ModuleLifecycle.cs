using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;
using AnyClaude.Cmdlets.Session;

namespace AnyClaude.Cmdlets.Loading;

/// <summary>
/// Import: route the engine assembly to <see cref="EngineLoadContext"/>. Remove and process exit:
/// stop the session's proxy so its port is freed.
/// </summary>
public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static int s_processExitHooked;

    public void OnImport()
    {
        // Unhook first so a re-import never adds the handler twice.
        AssemblyLoadContext.Default.Resolving -= ResolveEngine;
        AssemblyLoadContext.Default.Resolving += ResolveEngine;
        if (Interlocked.Exchange(ref s_processExitHooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => StopSessionProxy();
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        StopSessionProxy();
        AssemblyLoadContext.Default.Resolving -= ResolveEngine;
    }

    private static void StopSessionProxy()
    {
        try
        {
            ProxySession.Stop();
        }
        catch (Exception)
        {
            // Removal and exit must not fail because a proxy failed to stop cleanly.
        }
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        EngineLoadContext.IsEngineAssembly(name) ? EngineLoadContext.Instance.LoadEngine(name) : null;
}
