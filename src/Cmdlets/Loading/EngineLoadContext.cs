using System.Reflection;
using System.Runtime.Loader;

namespace AnyClaude.Cmdlets.Loading;

/// <summary>
/// The load context the engine (AnyClaude.Proxy), its diagnostics (AnyClaude.Diagnostics) and their package
/// dependencies live in, over the module's
/// deps/ folder. Other modules can load other versions of Microsoft.Extensions.* into the default context
/// without either side breaking the other.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    public const string EngineAssemblyName = "AnyClaude.Proxy";
    public const string DiagnosticsAssemblyName = "AnyClaude.Diagnostics";
    public const string ContextName = "AnyClaude";

    private static readonly Lazy<EngineLoadContext> s_instance = new(() => new EngineLoadContext(DefaultDependencyFolder));

    private readonly string _dependencyFolder;
    private readonly string _frameworkFolder = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    private EngineLoadContext(string dependencyFolder)
        : base(ContextName, isCollectible: false)
    {
        _dependencyFolder = dependencyFolder;
    }

    public static EngineLoadContext Instance => s_instance.Value;

    /// <summary>deps/ beside AnyClaude.Cmdlets.dll.</summary>
    public static string DefaultDependencyFolder =>
        Path.Combine(Path.GetDirectoryName(typeof(EngineLoadContext).Assembly.Location)!, "deps");

    public string DependencyFolder => _dependencyFolder;

    /// <summary>Whether the cmdlets' reference to <paramref name="name"/> is resolved here rather than in the default context.</summary>
    public static bool IsEngineAssembly(AssemblyName name) =>
        name.Name is EngineAssemblyName or DiagnosticsAssemblyName;

    /// <summary>Loads the engine or its diagnostics; called when the default context cannot find them.</summary>
    public Assembly? LoadEngine(AssemblyName name) => IsEngineAssembly(name) ? Load(name) : null;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null)
        {
            return null;
        }

        // Framework assemblies stay shared with the default context: types like Task and Uri must be
        // the same on both sides of the cmdlet/engine boundary.
        if (File.Exists(Path.Combine(_frameworkFolder, assemblyName.Name + ".dll")))
        {
            return null;
        }

        var candidate = Path.Combine(_dependencyFolder, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }
}
