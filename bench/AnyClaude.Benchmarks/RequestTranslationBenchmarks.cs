using System.Buffers;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Tokens;
using AnyClaude.Proxy.Translation;
using AnyClaude.Workloads;
using BenchmarkDotNet.Attributes;

namespace AnyClaude.Benchmarks;

/// <summary>The per-request CPU work before the backend sees a byte: parse and validate the ~80 KB
/// Claude Code request, write the Chat Completions body, and (what the host also does) count its tokens.</summary>
[MemoryDiagnoser]
public class RequestTranslationBenchmarks
{
    private byte[] _body = [];
    private BackendProfile _lmStudio = null!;
    private BackendProfile _mlx = null!;
    private readonly ArrayBufferWriter<byte> _output = new(128 * 1024);

    [GlobalSetup]
    public void Setup()
    {
        _body = ClaudeCodeRequest.Create();
        _lmStudio = BackendProfile.For(BackendSettings.Default(BackendMode.LmStudio) with { Model = "qwen/qwen3-coder-30b" });
        _mlx = BackendProfile.For(BackendSettings.Default(BackendMode.MlxLm));
        using var warm = MessagesRequest.Parse(_body);
        TokenCounter.CountRequest(warm.Root); // loads the vocabulary outside the measurement
    }

    [Benchmark]
    public int Parse()
    {
        using var request = MessagesRequest.Parse(_body);
        return request.MaxTokens;
    }

    [Benchmark(Baseline = true)]
    public int ParseAndWrite_LmStudio() => Translate(_lmStudio);

    [Benchmark]
    public int ParseAndWrite_MlxLm() => Translate(_mlx);

    [Benchmark]
    public int CountTokens()
    {
        using var request = MessagesRequest.Parse(_body);
        return TokenCounter.CountRequest(request.Root);
    }

    /// <summary>The tools array alone (about 60% of the body), identical on every turn of a session: what a
    /// per-session cache of its count would save.</summary>
    [Benchmark]
    public int CountTokens_ToolsOnly()
    {
        using var request = MessagesRequest.Parse(_body);
        int total = 0;
        foreach (var tool in request.Root.GetProperty("tools").EnumerateArray()) total += TokenCounter.Count(tool.GetRawText());
        return total;
    }

    private int Translate(BackendProfile profile)
    {
        _output.ResetWrittenCount();
        using var request = MessagesRequest.Parse(_body);
        ChatRequestTranslator.Write(request, profile, request.MaxTokens, _output);
        return _output.WrittenCount;
    }
}
