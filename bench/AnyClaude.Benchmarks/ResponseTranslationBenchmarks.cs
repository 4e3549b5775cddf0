using System.Buffers;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Translation;
using BenchmarkDotNet.Attributes;

namespace AnyClaude.Benchmarks;

/// <summary>One whole 2,000-chunk backend stream through the stream translator into SSE bytes, as the host
/// does per response (minus sockets). Chunks per second = 2,000 / mean.</summary>
[MemoryDiagnoser]
public class ResponseTranslationBenchmarks
{
    private byte[][] _payloads = [];
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);

    [Params(StreamShape.Text, StreamShape.Mixed)]
    public StreamShape Shape { get; set; }

    [GlobalSetup]
    public void Setup() => _payloads = OpenAiStream.Create(2000, Shape).Payloads.ToArray();

    [Benchmark(OperationsPerInvoke = 1)]
    public int Translate2000Chunks()
    {
        _output.ResetWrittenCount();
        var translator = new ChatStreamTranslator(new SseEventWriter(_output));
        translator.Start("msg_bench", "claude-sonnet-4-5-20250929", 21_480);
        var written = 0;
        foreach (var payload in _payloads)
        {
            translator.OnChunk(payload);
            // The host sends the buffer after every backend read; reset it the same way.
            written += _output.WrittenCount;
            _output.ResetWrittenCount();
        }
        translator.Complete();
        return written + _output.WrittenCount;
    }
}
