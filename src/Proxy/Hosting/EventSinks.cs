using System.Buffers;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Hosting;

/// <summary>The one place the host creates the translators' event sinks (SSE frames for streaming
/// clients, one message JSON for the others).</summary>
internal static class EventSinks
{
    public static IAnthropicEventSink Sse(IBufferWriter<byte> output) => new SseEventWriter(output);

    public static IAnthropicEventSink Aggregator() => new MessageAggregator();

    /// <summary>Writes the aggregated message JSON.</summary>
    public static void WriteMessage(IAnthropicEventSink aggregator, IBufferWriter<byte> output) =>
        ((MessageAggregator)aggregator).WriteTo(output);
}
