using System.Buffers;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Tokens;
using AnyClaude.Proxy.Translation;
using BenchmarkDotNet.Attributes;

namespace AnyClaude.Benchmarks;

/// <summary>The per-request CPU work before the backend sees a byte: parse and validate the ~80 KB
/// Claude Code request, write the Chat Completions body, and (what the host also does) count its tokens.</summary>
[MemoryDiagnoser]
public class RequestTranslationBenchmarks
{
    private byte[] _body = [];
    private byte[][] _distinct = [];
    private int _next;
    private BackendProfile _lmStudio = null!;
    private BackendProfile _mlx = null!;
    private readonly ArrayBufferWriter<byte> _output = new(128 * 1024);

    [GlobalSetup]
    public void Setup()
    {
        _body = ClaudeCodeRequest.Create();
        _distinct = Enumerable.Range(1, 256).Select(seed => ClaudeCodeRequest.Create(new ClaudeCodeRequestOptions { Seed = seed * 101 })).ToArray();
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

    /// <summary>Steady state: the same body again, so TokenCounter's cache of long texts answers most of it.</summary>
    [Benchmark]
    public int CountTokens()
    {
        using var request = MessagesRequest.Parse(_body);
        return TokenCounter.CountRequest(request.Root);
    }

    /// <summary>A new conversation every time: 256 distinct bodies (20 MB) in rotation overflow TokenCounter's caches
    /// (request parts: 4,096 entries or 16 M chars; long texts: 512 entries), so each count tokenises everything,
    /// as a conversation's first turn does.</summary>
    [Benchmark]
    public int CountTokens_FirstTurn()
    {
        var body = _distinct[_next++ % _distinct.Length];
        using var request = MessagesRequest.Parse(body);
        return TokenCounter.CountRequest(request.Root);
    }

    private int Translate(BackendProfile profile)
    {
        _output.ResetWrittenCount();
        using var request = MessagesRequest.Parse(_body);
        ChatRequestTranslator.Write(request, profile, request.MaxTokens, _output);
        return _output.WrittenCount;
    }
}
