using System.Buffers;
using System.Net.ServerSentEvents;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Translation;
using BenchmarkDotNet.Attributes;

namespace AnyClaude.Benchmarks;

/// <summary>Which stream a reader reads.</summary>
public enum SseSource
{
    /// <summary>2,000 OpenAI chunks (Mixed: reasoning, text, tool calls) with mlx_lm.server's ": keepalive N/M"
    /// comments before the first token and every 100 chunks, then [DONE].</summary>
    OpenAi,
    /// <summary>The Anthropic stream the proxy makes of the same chunks (event: + data: frames).</summary>
    Anthropic,
}

/// <summary>How the body arrives: one read per event (a backend flushing each token) or 16 KB reads (a fast
/// backend, or a slow reader catching up).</summary>
public enum SseDelivery { PerEvent, Bulk }

/// <summary>
/// The engine's pooled <see cref="SseLineReader"/> against System.Net.ServerSentEvents' SseParser on one whole
/// backend stream: each reader yields every data payload (as a span, no string) and the benchmark sums their
/// lengths. The engine's reader also hands over comments and the raw bytes; the parser cannot.
/// </summary>
[MemoryDiagnoser]
public class SseReaderBenchmarks
{
    private byte[] _body = [];
    private int[] _segments = [];

    [Params(SseSource.OpenAi, SseSource.Anthropic)]
    public SseSource Source { get; set; }

    [Params(SseDelivery.PerEvent, SseDelivery.Bulk)]
    public SseDelivery Delivery { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var events = Source == SseSource.OpenAi ? OpenAiEvents() : AnthropicEvents();
        _body = events.SelectMany(e => e).ToArray();
        _segments = Delivery == SseDelivery.PerEvent
            ? events.Select(e => e.Length).ToArray()
            : Enumerable.Repeat(16 * 1024, _body.Length / (16 * 1024) + 1).ToArray();
    }

    /// <summary>The events of a 2,000-chunk OpenAI stream with keepalive comments, as mlx_lm.server sends them.</summary>
    internal static List<byte[]> OpenAiEvents()
    {
        var stream = OpenAiStream.Create(2000, StreamShape.Mixed);
        var events = new List<byte[]>();
        for (var i = 1; i <= 10; i++) events.Add(System.Text.Encoding.ASCII.GetBytes($": keepalive {i}/10\n\n"));
        for (var i = 0; i < stream.Events.Count; i++)
        {
            if (i > 0 && i % 100 == 0) events.Add(": keepalive\n\n"u8.ToArray());
            events.Add(stream.Events[i].ToArray());
        }
        return events;
    }

    /// <summary>The same chunks translated by the proxy into Anthropic frames, one write per chunk.</summary>
    internal static List<byte[]> AnthropicEvents()
    {
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        var translator = new ChatStreamTranslator(new SseEventWriter(output));
        translator.Start("msg_bench", "claude-sonnet-4-5-20250929", 21_480);
        var events = new List<byte[]>();
        foreach (var payload in OpenAiStream.Create(2000, StreamShape.Mixed).Payloads)
        {
            translator.OnChunk(payload);
            if (output.WrittenCount > 0) events.Add(output.WrittenSpan.ToArray());
            output.ResetWrittenCount();
        }
        translator.Complete();
        events.Add(output.WrittenSpan.ToArray());
        return events;
    }

    [Benchmark(Baseline = true)]
    public async Task<long> EngineLineReader()
    {
        long total = 0;
        using var reader = new SseLineReader(new SegmentedStream(_body, _segments));
        while (true)
        {
            var more = await reader.FillAsync(CancellationToken.None);
            while (reader.TryReadLine(out var line))
            {
                if (!line.StartsWith("data:"u8)) continue;
                var payload = line[5..];
                if (!payload.IsEmpty && payload[0] == (byte)' ') payload = payload[1..];
                total += payload.Length;
            }
            if (!more) return total;
        }
    }

    [Benchmark]
    public async Task<long> LibrarySseParser()
    {
        long total = 0;
        var parser = SseParser.Create(new SegmentedStream(_body, _segments), static (_, data) => data.Length);
        await foreach (var item in parser.EnumerateAsync(CancellationToken.None))
            total += item.Data;
        return total;
    }
}

/// <summary>A read-only stream that hands out its bytes in the given segment sizes, as a socket would.</summary>
internal sealed class SegmentedStream(byte[] body, int[] segments) : Stream
{
    private int _position;
    private int _segment;
    private int _left = segments.Length > 0 ? segments[0] : 0;

    public override int Read(Span<byte> buffer)
    {
        if (_position >= body.Length) return 0;
        while (_left == 0 && _segment + 1 < segments.Length) _left = segments[++_segment];
        if (_left == 0) _left = body.Length - _position;
        var n = Math.Min(Math.Min(buffer.Length, _left), body.Length - _position);
        body.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        _left -= n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
