namespace AnyClaude.Proxy.Tests.ClaudeCode.Cli;

/// <summary>The checkout this test assembly was built from: the first folder above it holding the solution.</summary>
internal static class RepositoryRoot
{
    private static readonly Lazy<string> s_path = new(() => Find(SourceFile()));

    public static string Path => s_path.Value;

    // Build output may live outside the tree (ANYCLAUDE_ARTIFACTS=/tmp/...), and dotnet test runs in the
    // output folder, so the compile-time path of this source file is the fallback.
    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

    private static string Find(string sourceFile)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory, System.IO.Path.GetDirectoryName(sourceFile) ?? "/" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "AnyClaude.PowerShell.sln")))
                    return dir.FullName;
            }
        }
        throw new InvalidOperationException(
            $"AnyClaude.PowerShell.sln not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}; run the tests from the repository.");
    }
}
