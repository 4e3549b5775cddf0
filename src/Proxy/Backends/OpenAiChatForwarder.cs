using System.Buffers;
using System.Net.Http.Headers;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Routing;
using AnyClaude.Proxy.Tokens;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Backends;

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
        var ct = scope.Token;

        var inputTokens = TokenCounter.CountRequest(request.Root, ct);
        var maxTokens = request.MaxTokens;
        // Set before the window check, so a "prompt is too long" answer is recorded with its model and count.
        record.Model = route.Model;
        record.InputTokens = inputTokens;
        var window = await services.ContextWindows.GetAsync(backend, route.Model, ct).ConfigureAwait(false);
        if (window is { } c)
        {
            // The prompt must leave room for at least one output token; otherwise answer "prompt is too long" before
            // forwarding, so Claude Code compacts the conversation by itself.
            if (inputTokens >= c) throw BackendErrors.PromptTooLong(inputTokens, c, backend);
            maxTokens = Math.Min(maxTokens, c - inputTokens);
        }

        var body = new ArrayBufferWriter<byte>(64 * 1024);
        var profile = BackendProfile.For(backend with { Model = route.Model });
        ChatRequestTranslator.Write(request, profile, maxTokens, body);
        if (scope.TraceBodies) record.RequestBody = scope.RedactBody(body.WrittenSpan, backend);

        var messageId = MessageIds.New();
        if (request.Stream)
            await StreamAsync(scope, route, body.WrittenMemory, messageId, request.Model, inputTokens, maxTokens).ConfigureAwait(false);
        else
            await AggregateAsync(scope, route, body.WrittenMemory, messageId, request.Model, inputTokens, maxTokens).ConfigureAwait(false);
    }

    private async Task StreamAsync(RequestScope scope, Route route, ReadOnlyMemory<byte> body, string messageId,
        string clientModel, int inputTokens, int maxTokens)
    {
        using var sse = new SseResponse(scope);
        var sink = EventSinks.Sse(sse.Buffer);
        sse.Sink = sink;
        var translator = new ChatStreamTranslator(sink);
        sse.BeginOnFirstWrite(scope.TraceBodies);
        // The stall timer cancels only the backend call; the client still gets the timeout as an error event.
        using var backendCancel = CancellationTokenSource.CreateLinkedTokenSource(scope.Token);
        var (firstToken, generation) = scope.Options.StallLimits(route.Backend);
        using var heartbeat = new Heartbeat(firstToken, scope.Options.PingInterval, sse.PingAsync, backendCancel,
            scope.ClientClosed, scope.Cancel, generation);
        sse.Written = heartbeat.ClientWrite;

        await sse.EnterAsync().ConfigureAwait(false);
        translator.Start(messageId, clientModel, inputTokens);
        sse.ExitWithoutSending(); // message_start goes out with the first ping or backend chunk

        var pump = new SinkWriteGate(sse.EnterAsync, sse.FlushAndExitAsync);
        try
        {
            await RunAsync(scope, route, body, translator, heartbeat, pump, inputTokens, maxTokens, backendCancel.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && !sse.ClientGone)
        {
            var error = e as ApiException ?? BackendErrors.StreamFailed(route.Backend, e is BackendStreamException ? e.Message : $"the proxy failed while relaying the stream ({e.GetType().Name}: {e.Message})");
            // Nothing sent yet (backend down, or it refused at once): an HTTP error Claude Code acts on.
            if (await sse.TryAbandonAsync().ConfigureAwait(false)) throw error;
            // Once the stream has begun, anything that goes wrong reaches the client as an error event: the listener
            // would otherwise end the response as if it were complete.
            scope.Record.Error = error.Message;
            await sse.EnterAsync().ConfigureAwait(false);
            sink.Error(error.ErrorType, error.Message);
            await sse.FlushAndExitAsync().ConfigureAwait(false);
        }
        finally
        {
            Fill(scope.Record, translator);
            if (scope.TraceBodies) scope.Record.ResponseBody = sse.CapturedText();
        }
        scope.Finish();
    }

    private async Task AggregateAsync(RequestScope scope, Route route, ReadOnlyMemory<byte> body, string messageId,
        string clientModel, int inputTokens, int maxTokens)
    {
        var aggregator = EventSinks.Aggregator();
        var translator = new ChatStreamTranslator(aggregator);
        using var backendCancel = CancellationTokenSource.CreateLinkedTokenSource(scope.Token);
        var (firstToken, generation) = scope.Options.StallLimits(route.Backend);
        using var heartbeat = new Heartbeat(firstToken, scope.Options.PingInterval, null, backendCancel,
            scope.ClientClosed, scope.Cancel, generation);
        translator.Start(messageId, clientModel, inputTokens);
        try
        {
            await RunAsync(scope, route, body, translator, heartbeat, SinkWriteGate.None, inputTokens, maxTokens, backendCancel.Token).ConfigureAwait(false);
        }
        catch (BackendStreamException e)
        {
            throw BackendErrors.StreamFailed(route.Backend, e.Message);
        }
        finally
        {
            Fill(scope.Record, translator);
        }
        var output = new ArrayBufferWriter<byte>(4096);
        EventSinks.WriteMessage(aggregator, output);
        if (scope.TraceBodies) scope.Record.ResponseBody = scope.RedactBody(output.WrittenSpan, route.Backend);
        await HttpResponder.WriteJsonAsync(scope, 200, output.WrittenMemory, scope.Token).ConfigureAwait(false);
    }

    /// <summary>Waits for a slot, calls the backend and feeds its stream to the translator until it ends.</summary>
    private async Task RunAsync(RequestScope scope, Route route, ReadOnlyMemory<byte> body, ChatStreamTranslator translator,
        Heartbeat heartbeat, SinkWriteGate pump, int inputTokens, int maxTokens, CancellationToken ct)
    {
        var backend = route.Backend;
        using var slot = await services.Limiter.AcquireAsync(backend, ct, scope.Record.Kind == RequestKind.Background).ConfigureAwait(false);
        heartbeat.BackendStarted();
        using var message = CreateRequest(backend, body);
        HttpResponseMessage response;
        try
        {
            response = await services.Http.For(backend).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (heartbeat.Stalled)
        {
            throw BackendErrors.Stalled(backend, heartbeat.StallTimeout);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && BackendErrors.FromSendFailure(backend, e, services.Http.ConnectTimeout) is { } failure)
        {
            throw failure;
        }
        using (response)
        {
            heartbeat.BackendByte();
            if (!response.IsSuccessStatusCode)
            {
                var errorBody = await BackendBodies.ReadLimitedAsync(response, ct).ConfigureAwait(false);
                throw BackendErrors.FromStatus(backend, (int)response.StatusCode, errorBody, inputTokens, maxTokens, route.Model,
                    BackendBodies.RetryAfter(response));
            }
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                // A server that ignored "stream": true (or answered an error with 200) sends one JSON body.
                var json = await BackendBodies.ReadLimitedAsync(response, ct).ConfigureAwait(false);
                var said = BackendErrors.ExtractMessage(json) is { } m ? (m.Length > 300 ? m[..300] + "…" : m) : "an empty body";
                throw BackendErrors.StreamFailed(backend, $"answered with a JSON body (Content-Type application/json) where an event stream was requested: {said}");
            }
            // The backend accepted the request: message_start goes out now (a stream is committed from here on).
            await pump.Enter().ConfigureAwait(false);
            await pump.Exit().ConfigureAwait(false);
            var lines = new ChatSseLines(backend);
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                using var reader = new SseLineReader(stream);
                var done = false;
                while (!done)
                {
                    bool more;
                    try
                    {
                        more = await reader.FillAsync(ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
                    {
                        break; // connection cut mid-stream: Complete() below reports the early end
                    }
                    heartbeat.BackendByte();
                    await pump.Enter().ConfigureAwait(false);
                    try
                    {
                        ct.ThrowIfCancellationRequested();
                        done = lines.Process(reader, translator);
                        if (translator.HasOutput)
                        {
                            scope.Record.MarkFirstToken();
                            heartbeat.GenerationStarted();
                        }
                    }
                    finally
                    {
                        await pump.Exit().ConfigureAwait(false);
                    }
                    if (!more) break;
                }
            }
            catch (OperationCanceledException) when (heartbeat.Stalled)
            {
                throw BackendErrors.Stalled(backend, heartbeat.StallTimeout);
            }
            await pump.Enter().ConfigureAwait(false);
            try { translator.Complete(); }
            catch (BackendStreamException) when (!translator.Finished)
            {
                // No finish_reason: the backend ended the stream early (bad lines it sent on the way are named too).
                var early = BackendErrors.ClosedEarly(backend);
                throw lines.SkippedLines == 0 ? early : new ApiException(early.Status, early.ErrorType, $"{early.Message} It {lines.SkippedText[3..]}.");
            }
            catch (BackendStreamException e) { throw new BackendStreamException(lines.Describe(e)); }
            finally { await pump.Exit().ConfigureAwait(false); }
        }
    }

    /// <summary>A streaming /chat/completions request with the backend's key and headers (the prewarmer's too).</summary>
    internal static HttpRequestMessage CreateRequest(BackendSettings backend, ReadOnlyMemory<byte> body)
    {
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var message = new HttpRequestMessage(HttpMethod.Post, BackendUrls.ChatCompletions(backend.BaseUrl)) { Content = content };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (!string.IsNullOrEmpty(backend.ApiKey)) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", backend.ApiKey);
        foreach (var (name, value) in backend.Headers) message.Headers.TryAddWithoutValidation(name, value);
        return message;
    }

    /// <summary>A finished stream's usage and stop reason into its record (the prewarmer's records too).</summary>
    internal static void Fill(RecordDraft record, ChatStreamTranslator translator)
    {
        var usage = translator.Usage;
        // The backend's own count wins over our estimate when it reported one.
        if (usage.InputTokens > 0 || usage.CachedTokens > 0) record.InputTokens = usage.InputTokens;
        record.OutputTokens = usage.OutputTokens;
        record.UsageReported = translator.UsageReported;
        // No figure is not zero: LM Studio reports no cached tokens even when its cache served the prompt.
        record.CachedTokens = translator.CachedTokensReported ? usage.CachedTokens : null;
        record.StopReason = translator.StopReason;
    }
}

/// <summary>Serialises the translator's event writes with the heartbeat's pings (streaming), or does nothing
/// (non-streaming: the events go to an aggregator).</summary>
internal readonly struct SinkWriteGate(Func<Task>? enter, Func<Task>? exit)
{
    public static SinkWriteGate None => default;
    public Task Enter() => enter?.Invoke() ?? Task.CompletedTask;
    public Task Exit() => exit?.Invoke() ?? Task.CompletedTask;
}
