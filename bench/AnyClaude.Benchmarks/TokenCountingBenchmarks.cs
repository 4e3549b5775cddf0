using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Tokens;
using BenchmarkDotNet.Attributes;

namespace AnyClaude.Benchmarks;

/// <summary>Issue 8: token counting of 1 MB of text without whitespace (base64: what minified code, data URLs and
/// long generated lines look like to the pre-tokenizer) and of 1 MB of prose. Before the fix the first grew
/// quadratically (256 K chars took 13.7 s); the counter's hash cache is bypassed so every call does the work.</summary>
[MemoryDiagnoser]
public class TokenCountingBenchmarks
{
    private string _whitespaceFree = "";
    private string _oneWord = "";
    private string _prose = "";

    [GlobalSetup]
    public void Setup()
    {
        var bytes = new byte[768 * 1024];
        new Random(42).NextBytes(bytes);
        _whitespaceFree = Convert.ToBase64String(bytes); // 1,048,576 chars
        _prose = new SyntheticText(42).Prose(1024 * 1024);
        var r = new Random(42);
        _oneWord = string.Create(1024 * 1024, r, static (span, r) => { for (var i = 0; i < span.Length; i++) span[i] = (char)('a' + r.Next(26)); });
        TokenCounter.CountBounded("warm up the vocabulary", CancellationToken.None);
    }

    [Benchmark]
    public int WhitespaceFree_1MB() => TokenCounter.CountBounded(_whitespaceFree, CancellationToken.None);

    /// <summary>Lowercase letters only: one pre-tokenizer word 1 MB long, the case that was quadratic.</summary>
    [Benchmark]
    public int OneWord_1MB() => TokenCounter.CountBounded(_oneWord, CancellationToken.None);

    [Benchmark(Baseline = true)]
    public int Prose_1MB() => TokenCounter.CountBounded(_prose, CancellationToken.None);
}
