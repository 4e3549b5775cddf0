using System.Buffers;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Routing;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Forwarding;

/// <summary>
/// Anthropic request → OpenAI Chat Completions backend (LM Studio, mlx_lm.server, generic) → Anthropic
/// response. Streaming clients get message_start as soon as the backend accepts the request (or with the first
/// ping, if that comes first), pings while the backend is silent (queued for a slot or processing the prompt),
/// then the translated events flushed per backend read. A backend that is down or refuses the request at once
/// is answered with an HTTP error status, which Claude Code acts on (an error event after a 200 is retried).
/// </summary>
internal sealed class OpenAiChatForwarder(BackendServices services)
{
    public async Task HandleAsync(RequestScope scope, MessagesRequest request, Route route)
    {
        var backend = route.Backend;
        var record = scope.Record;
        record.Model = route.Model;

        // 1. Context policy: the conversation made to fit the backend's window (the request was parsed by the dispatcher).
        var fit = await services.Context.ApplyAsync(request, backend, route.Model, record, scope.Token).ConfigureAwait(false);

        // 2. Translate: the Anthropic request (or the policy's cut of it) as a /chat/completions body.
        ReadOnlyMemory<byte> body;
        using (fit.Cut) body = Translate(fit.Cut ?? request, backend, route.Model, fit.MaxTokens);
        if (scope.TraceBodies) record.RequestBody = scope.RedactBody(body.Span, backend);

        // 3. Call the backend, translating its stream as it comes (streaming clients) or into one message.
        var call = BackendCallOptions.For(scope, backend);
        if (request.Stream)
        {
            using var sse = new SseResponse(scope);
            var sink = EventSinks.Sse(sse.Buffer);
            sse.Sink = sink;
            var exchange = new ChatExchange(backend, route.Model, body, new ChatStreamTranslator(sink), fit);
            sse.BeginOnFirstWrite(scope.TraceBodies);
            // Buffered: message_start goes out with the first ping or once the backend accepts the request.
            exchange.Translator.Start(MessageIds.New(), request.Model, fit.InputTokens);
            try
            {
                await services.Call.SendAsync(exchange, call, sse, scope.Token).ConfigureAwait(false);
            }
            finally
            {
                exchange.Fill(record);
                if (scope.TraceBodies) record.ResponseBody = sse.CapturedText();
            }
            scope.Finish();
        }
        else
        {
            var aggregator = EventSinks.Aggregator();
            var exchange = new ChatExchange(backend, route.Model, body, new ChatStreamTranslator(aggregator), fit);
            exchange.Translator.Start(MessageIds.New(), request.Model, fit.InputTokens);
            try
            {
                await services.Call.SendAsync(exchange, call, output: null, scope.Token).ConfigureAwait(false);
            }
            finally
            {
                exchange.Fill(record);
            }
            var output = new ArrayBufferWriter<byte>(4096);
            EventSinks.WriteMessage(aggregator, output);
            if (scope.TraceBodies) record.ResponseBody = scope.RedactBody(output.WrittenSpan, backend);
            await HttpResponder.WriteJsonAsync(scope, 200, output.WrittenMemory, scope.Token).ConfigureAwait(false);
        }
    }

    /// <summary>The request as the backend's /chat/completions body (the prewarmer's too, with max_tokens 1).</summary>
    internal static ReadOnlyMemory<byte> Translate(MessagesRequest request, BackendSettings backend, string? model, int maxTokens)
    {
        var body = new ArrayBufferWriter<byte>(64 * 1024);
        ChatRequestTranslator.Write(request, BackendProfile.For(backend with { Model = model }), maxTokens, body);
        return body.WrittenMemory;
    }
}
