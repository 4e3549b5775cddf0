using System.Globalization;
using System.Text;
using AnyClaude.FakeBackend.Http;

namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// POST /v1/chat/completions: validate like the real server, render the prompt, consult the prefix cache, wait the
/// simulated prompt-processing time, then answer (scripted or automatic) in the flavor's wire format.
/// Returns false when the connection must be closed (dropped, cut, or mlx's close-delimited framing).
/// </summary>
internal sealed class ChatCompletionHandler(FakeServerState state)
{
    private static readonly byte[] s_dataPrefix = "data: "u8.ToArray();
    private static readonly byte[] s_eventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] s_done = "data: [DONE]\n\n"u8.ToArray();

    private FakeServerOptions Options => state.Options;
    private bool Mlx => Options.Flavor == FakeFlavor.MlxLm;

    public async Task<bool> HandleAsync(HttpRequestData http, RecordedRequest record, ResponseWriter writer, CancellationToken ct)
    {
        using var lease = state.EnterChat();
        var (request, parseError) = ChatRequestParser.Parse(http.Body, http.HadContentLength, Options);
        if (parseError is not null)
        {
            return await WriteErrorAsync(parseError, record, writer, ct);
        }

        var (model, modelError) = ServerRules.ResolveModel(request!, Options);
        if (modelError is not null)
        {
            return await WriteErrorAsync(modelError, record, writer, ct);
        }

        var prompt = PromptTemplate.Render(request!, Options.SystemMessageMustBeFirst, out var templateError);
        if (prompt is null)
        {
            return await WriteErrorAsync(Mlx
                ? FakeError.Mlx(500, templateError!)
                : FakeError.LmStudioString(400, $"Error rendering prompt with jinja template: \"{templateError}\""), record, writer, ct);
        }
        record.RenderedPrompt = prompt;
        var promptTokens = FakeTokenizer.Count(prompt);
        record.PromptTokens = promptTokens;

        var overflow = ServerRules.CheckContext(request!, promptTokens, Options);
        if (overflow is not null)
        {
            return await WriteErrorAsync(overflow, record, writer, ct);
        }

        // LM Studio 0.4 queues what its slots cannot take; mlx batches up to its decode concurrency. Held until the
        // response ends (a held or delayed reply keeps its slot busy); the cache is consulted once the request has one.
        using var slot = await state.EnterSlotAsync(ct);
        var scripted = state.Script.TryDequeue(out var reply);
        record.Scripted = scripted;
        reply ??= AutoResponder.Reply(request!, Options, Mlx ? Options.Model : model);
        if (reply.DelayBeforeResponse > TimeSpan.Zero)
        {
            await Task.Delay(reply.DelayBeforeResponse, ct);
        }
        if (reply.HoldUntil is { } hold)
        {
            await hold.WaitAsync(ct);
        }
        if (reply.DropConnection)
        {
            return false;
        }
        if (reply.ErrorStatus is { } status)
        {
            var body = reply.ErrorBody ?? (Mlx ? FakeError.Mlx(status, reply.ErrorMessage ?? "error").Body
                : FakeError.LmStudio(status, reply.ErrorMessage ?? "error", type: status >= 500 ? "server_error" : "invalid_request_error").Body);
            return await WriteErrorAsync(new FakeError(status, body), record, writer, ct);
        }

        // mlx keys its cache by the loaded model; LM Studio by the model instance serving the request.
        var cacheKey = Mlx ? Options.Model : model;
        var cached = Options.DisableCache ? 0 : state.Cache.Lookup(cacheKey, prompt);
        var uncached = promptTokens - cached;
        record.CachedTokens = cached;
        record.PromptProcessingMicroseconds = uncached * Options.MicrosecondsPerPromptToken;

        var plan = GenerationPlan.Build(reply, request!, Options, ServerRules.Budget(request!, promptTokens, Options), NewToolCallId);
        record.CompletionTokens = plan.CompletionTokens;
        record.FinishReason = plan.FinishReason;
        var perToken = reply.MicrosecondsPerToken ?? Options.MicrosecondsPerGeneratedToken;
        var rest = !Mlx && http.Path.StartsWith("/api/v0/", StringComparison.Ordinal)
            ? new RestStats(record.PromptProcessingMicroseconds.Value / 1e6, plan.CompletionTokens * perToken / 1e6,
                plan.FinishReason == "length", Options.EffectiveContextLength ?? 0)
            : null;
        var usage = new UsageFigures(promptTokens, plan.CompletionTokens, cached, Options.EffectiveReportCachedTokens, rest);
        var formatter = ChunkFormatter.For(Options, NewIdentity(model));
        var pacer = new Pacer(Options.TimeScale);

        if (!request!.Stream)
        {
            await ProcessPromptAsync(uncached, pacer, writer: null, ct);
            await pacer.WaitAsync(plan.CompletionTokens * perToken, ct);
            // Generation is over, so the KV state exists: cached before the client can read the answer and ask again.
            Remember(cacheKey, prompt, plan);
            record.Status = 200;
            await writer.WriteBodyAsync(200, Mlx ? "application/json" : "application/json; charset=utf-8", formatter.Completion(plan, usage), ct);
            return !writer.MustClose;
        }

        record.Status = 200;
        await writer.StartStreamAsync(ct);
        await ProcessPromptAsync(uncached, pacer, writer, ct);
        var sent = 0;
        foreach (var chunk in plan.Chunks)
        {
            if (reply.CutAfterChunks == sent)
            {
                return false; // connection cut mid-stream: no finish, no [DONE], no terminating chunk
            }
            if (reply.StallAfterChunks == sent && reply.StallFor > TimeSpan.Zero)
            {
                await Task.Delay(reply.StallFor, ct);
            }
            await pacer.WaitAsync(FakeTokenizer.Count(Math.Max(1, chunk.Text.Length)) * perToken, ct);
            await WriteEventAsync(writer, formatter.StreamChunk(chunk), ct);
            sent++;
        }
        if (reply.CutAfterChunks is { } cut && cut >= sent)
        {
            return false;
        }
        if (reply.StallAfterChunks is { } stallAt && stallAt >= sent && reply.StallFor > TimeSpan.Zero)
        {
            await Task.Delay(reply.StallFor, ct); // a stall after the last token, before the finish chunk
        }

        // Generation is over, so the KV state exists: cached before the finish reaches the client, which may ask
        // again the moment it reads [DONE].
        Remember(cacheKey, prompt, plan);
        await WriteEventAsync(writer, formatter.FinalChunk(plan.FinishReason), ct);
        if (request.HasStreamOptions)
        {
            if (request.IncludeUsage is null && Mlx)
            {
                // mlx reads self.stream_options["include_usage"]: a KeyError after the finish chunk kills the connection.
                return false;
            }
            if (request.IncludeUsage == true)
            {
                await WriteEventAsync(writer, formatter.UsageChunk(usage), ct);
            }
        }
        await writer.WriteStreamAsync(s_done, ct);
        await writer.EndStreamAsync(ct);
        return !writer.MustClose;
    }

    /// <summary>Waits the simulated prefill; mlx streams report progress as ": keepalive N/M" after each prefill step.</summary>
    private async Task ProcessPromptAsync(int uncached, Pacer pacer, ResponseWriter? writer, CancellationToken ct)
    {
        using var prefill = await state.EnterPrefillAsync(ct);
        var step = Math.Max(1, Options.PrefillStepTokens);
        var keepalives = writer is not null && Mlx;
        for (var done = 0; done < uncached;)
        {
            var n = Math.Min(step, uncached - done);
            await pacer.WaitAsync(n * Options.MicrosecondsPerPromptToken, ct);
            done += n;
            if (keepalives)
            {
                await writer!.WriteStreamAsync(Encoding.ASCII.GetBytes($": keepalive {done}/{uncached}\n\n"), ct);
            }
        }
    }

    private void Remember(string cacheKey, string prompt, GenerationPlan plan)
    {
        if (!Options.DisableCache)
        {
            state.Cache.Insert(cacheKey, prompt + plan.GeneratedText);
        }
    }

    private static async Task WriteEventAsync(ResponseWriter writer, byte[] json, CancellationToken ct)
    {
        var frame = new byte[s_dataPrefix.Length + json.Length + s_eventEnd.Length];
        s_dataPrefix.CopyTo(frame, 0);
        json.CopyTo(frame, s_dataPrefix.Length);
        s_eventEnd.CopyTo(frame, s_dataPrefix.Length + json.Length);
        await writer.WriteStreamAsync(frame, ct);
    }

    private static async Task<bool> WriteErrorAsync(FakeError error, RecordedRequest record, ResponseWriter writer, CancellationToken ct)
    {
        if (error.Status is not { } status)
        {
            return false;
        }
        record.Status = status;
        await writer.WriteJsonAsync(status, error.Body, ct);
        return !writer.MustClose;
    }

    private ResponseIdentity NewIdentity(string model)
    {
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Mlx
            ? new ResponseIdentity("chatcmpl-" + Guid.NewGuid(), created, model, "0.31.1-0.30.1-macOS-15.6-arm64-arm-64bit-applegpu_g15s")
            : new ResponseIdentity("chatcmpl-" + RandomAlnum(21), created, model, model);
    }

    /// <summary>LM Studio tool-call ids are decimal strings (e.g. "365174485"); mlx uses str(uuid4()).</summary>
    private string NewToolCallId() => Mlx
        ? Guid.NewGuid().ToString()
        : Random.Shared.Next(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);

    private static string RandomAlnum(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(length, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
            }
        });
    }
}
