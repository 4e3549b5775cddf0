using System.Text;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Tests.Translation;
using AnyClaude.Proxy.Translation;
using Xunit;

namespace AnyClaude.Proxy.Tests.Backends;

/// <summary>Issue 12: the engine's <see cref="SseLineReader"/> is the one SSE reader; its event view (used by the
/// diagnostics) and its line view (used by the forwarders and the tests' parsers) keep the engine's rules.</summary>
public sealed class SseLineReaderTests
{
    private static async Task<List<SseEvent>> EventsAsync(byte[] body, CancellationToken ct = default)
    {
        var events = new List<SseEvent>();
        await foreach (var e in SseLineReader.ReadEventsAsync(new MemoryStream(body), ct)) events.Add(e);
        return events;
    }

    [Fact]
    public async Task Events_join_data_lines_skip_comments_and_keep_an_unterminated_last_event()
    {
        var body = Encoding.UTF8.GetBytes(
            ": keepalive 8/100\n\nevent: message_start\ndata: {\"a\":1}\n\ndata: line one\r\ndata:line two\n\n: ping\ndata: {\"last\":true}");

        var events = await EventsAsync(body);

        Assert.Equal(
            [new SseEvent("message_start", "{\"a\":1}"), new SseEvent(null, "line one\nline two"), new SseEvent(null, "{\"last\":true}")],
            events);
    }

    [Fact]
    public async Task Events_read_across_many_small_reads_match_one_big_read()
    {
        var sse = string.Concat(Enumerable.Range(0, 500).Select(i => $"event: e{i}\ndata: {{\"i\":{i},\"text\":\"{new string('x', i % 40)}\"}}\n\n"));
        var whole = await EventsAsync(Encoding.UTF8.GetBytes(sse));
        var trickled = new List<SseEvent>();
        await foreach (var e in SseLineReader.ReadEventsAsync(new TrickleStream(Encoding.UTF8.GetBytes(sse), 7))) trickled.Add(e);

        Assert.Equal(500, whole.Count);
        Assert.Equal(whole, trickled);
    }

    [Fact]
    public async Task Invalid_utf8_in_an_event_is_an_error_not_replacement_characters()
    {
        var body = Encoding.ASCII.GetBytes("data: {\"text\":\"").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.ASCII.GetBytes("\"}\n\n")).ToArray();

        var e = await Assert.ThrowsAsync<BackendStreamException>(() => EventsAsync(body));

        Assert.Contains("not valid UTF-8", e.Message);
    }

    [Fact]
    public async Task A_line_over_the_cap_ends_the_stream_with_a_clear_error()
    {
        using var reader = new SseLineReader(new MemoryStream(Encoding.ASCII.GetBytes("data: " + new string('x', 100_000))), maxLineBytes: 64 * 1024);

        var e = await Assert.ThrowsAsync<BackendStreamException>(async () =>
        {
            while (await reader.FillAsync(CancellationToken.None))
                while (reader.TryReadLine(out _)) { }
        });

        Assert.Contains("longer than", e.Message);
        Assert.Contains("without a line break", e.Message);
    }

    [Fact]
    public async Task Reading_events_stops_when_cancelled()
    {
        using var cts = new CancellationTokenSource();
        await using var pipe = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        await using var input = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, pipe.ClientSafePipeHandle);
        await pipe.WriteAsync("data: first\n\n"u8.ToArray());
        await pipe.FlushAsync();
        var seen = new List<SseEvent>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in SseLineReader.ReadEventsAsync(input, cts.Token))
            {
                seen.Add(e);
                cts.Cancel(); // Ctrl+C while the backend has nothing more to say
            }
        });

        Assert.Equal([new SseEvent(null, "first")], seen);
    }

    [Fact]
    public void The_tests_parsers_see_keepalive_comments_and_frames_as_the_proxy_does()
    {
        var sse = ": keepalive 1/2\n\nevent: ping\ndata: {\"type\":\"ping\"}\n\n\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

        Assert.Contains(": keepalive 1/2", SseText.Lines(sse));
        Assert.Equal(
            [[": keepalive 1/2"], ["event: ping", "data: {\"type\":\"ping\"}"], ["event: message_stop", "data: {\"type\":\"message_stop\"}"]],
            SseText.Frames(sse));
    }

    /// <summary>Hands out at most <paramref name="size"/> bytes per read, as a slow socket would.</summary>
    private sealed class TrickleStream(byte[] body, int size) : MemoryStream(body)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(size, buffer.Length)], cancellationToken);
    }
}
