using System.Buffers;
using AnyClaude.Proxy.Tokens;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Hosting;

/// <summary>A complete Anthropic reply the proxy writes itself (a session title), streamed or whole, in the same
/// event grammar a backend's translated reply has.</summary>
internal static class LocalAnswer
{
    public static async Task WriteTextAsync(RequestScope scope, MessagesRequest request, string text)
    {
        var record = scope.Record;
        var output = Math.Max(1, TokenCounter.Count(text));
        var usage = new UsageCounts(0, output, 0);
        var messageId = MessageIds.New();
        record.InputTokens = 0;
        record.OutputTokens = output;
        record.StopReason = "end_turn";
        record.MarkFirstToken();
        if (!request.Stream)
        {
            var aggregator = EventSinks.Aggregator();
            Emit(aggregator, messageId, request.Model, text, usage);
            var json = new ArrayBufferWriter<byte>(512);
            EventSinks.WriteMessage(aggregator, json);
            await HttpResponder.WriteJsonAsync(scope, 200, json.WrittenMemory, scope.Token).ConfigureAwait(false);
            return;
        }
        var sse = new ArrayBufferWriter<byte>(1024);
        Emit(EventSinks.Sse(sse), messageId, request.Model, text, usage);
        record.Status = 200;
        scope.Commit();
        var response = scope.Response;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.SetHeader("Cache-Control", "no-cache");
        response.ContentLength = sse.WrittenCount;
        await response.WriteAsync(sse.WrittenMemory, scope.Token).ConfigureAwait(false);
        response.Close();
    }

    private static void Emit(IAnthropicEventSink sink, string messageId, string model, string text, UsageCounts usage)
    {
        sink.MessageStart(messageId, model, usage with { OutputTokens = 1 });
        sink.BlockStart(0, "text", null, null);
        sink.TextDelta(0, text);
        sink.BlockStop(0);
        sink.MessageDelta("end_turn", null, usage);
        sink.MessageStop();
    }
}
