using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;

namespace AnyClaude.Benchmarks;

/// <summary>Default BenchmarkDotNet config plus memory diagnostics; results go under the build's
/// artifacts folder (ANYCLAUDE_ARTIFACTS) so nothing lands in the source tree.</summary>
internal static class BenchConfig
{
    public static IConfig Create()
    {
        var config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);
        var artifacts = Environment.GetEnvironmentVariable("ANYCLAUDE_ARTIFACTS");
        return string.IsNullOrEmpty(artifacts)
            ? config
            : config.WithArtifactsPath(Path.Combine(artifacts, "BenchmarkDotNet.Artifacts"));
    }
}
