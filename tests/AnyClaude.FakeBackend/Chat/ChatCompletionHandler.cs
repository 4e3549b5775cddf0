using System.Globalization;
using System.Text;
using AnyClaude.FakeBackend.Http;
using AnyClaude.FakeBackend.Scripting;

namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// POST /v1/chat/completions: validate like the real server, render the prompt, consult the prefix cache, wait the
/// simulated prompt-processing time, then answer (scripted or automatic) in the flavor's wire format.
/// Returns false when the connection must be closed (dropped, cut, or mlx's close-delimited framing).
/// </summary>
internal sealed class ChatCompletionHandler(FakeServerState state)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private FakeServerOptions Options => state.Options;
    private bool Mlx => Options.Flavor == FakeFlavor.MlxLm;

    public async Task<bool> HandleAsync(HttpRequestData http, RecordedRequest record, ResponseWriter writer, CancellationToken ct)
    {
        using var lease = state.EnterChat();
        var (request, parseError) = ChatRequestParser.Parse(http.Body, Options);
        if (parseError is not null)
        {
            return await WriteErrorAsync(parseError, record, writer, ct);
        }

        var (model, modelError) = ResolveModel(request!);
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

        var overflow = CheckContext(request!, promptTokens);
        if (overflow is not null)
        {
            return await WriteErrorAsync(overflow, record, writer, ct);
        }

        var scripted = state.Script.TryDequeue(out var reply);
        record.Scripted = scripted;
        reply ??= AutoResponder.Reply(request!, Options, Mlx ? Options.Model : model);
        if (reply.DelayBeforeResponse > TimeSpan.Zero)
        {
            await Task.Delay(reply.DelayBeforeResponse, ct);
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

        var plan = GenerationPlan.Build(reply, request!, Options, Budget(request!, promptTokens), NewToolCallId);
        record.CompletionTokens = plan.CompletionTokens;
        record.FinishReason = plan.FinishReason;
        var perToken = reply.MicrosecondsPerToken ?? Options.MicrosecondsPerGeneratedToken;
        var rest = !Mlx && http.Path.StartsWith("/api/v0/", StringComparison.Ordinal)
            ? new RestStats(record.PromptProcessingMicroseconds.Value / 1e6, plan.CompletionTokens * perToken / 1e6,
                plan.FinishReason == "length", Options.EffectiveContextLength ?? 0)
            : null;
        var usage = new UsageFigures(promptTokens, plan.CompletionTokens, cached, Options.EffectiveReportCachedTokens, rest);
        var formatter = ChunkFormatter.For(Options, NewIdentity(request!, model));
        var pacer = new Pacer();

        if (!request!.Stream)
        {
            await ProcessPromptAsync(uncached, pacer, writer: null, ct);
            await pacer.WaitAsync(plan.CompletionTokens * perToken, ct);
            record.Status = 200;
            await writer.WriteBodyAsync(200, Mlx ? "application/json" : "application/json; charset=utf-8", formatter.Completion(plan, usage), ct);
            Remember(cacheKey, prompt, plan);
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
        await writer.WriteStreamAsync(Done, ct);
        await writer.EndStreamAsync(ct);
        Remember(cacheKey, prompt, plan);
        return !writer.MustClose;
    }

    private (string Model, FakeError? Error) ResolveModel(ChatRequest request)
    {
        if (Mlx)
        {
            // mlx: a missing model means "default_model"; the configured --model maps to it too. Any other name is
            // handed to load() as a Hugging Face repo to download; the failure surfaces as a 500 with the hub's message.
            var requested = request.Model ?? "default_model";
            if (requested != "default_model" && requested != Options.Model)
            {
                return (requested, FakeError.Mlx(500,
                    "404 Client Error. (Request ID: Root=1-fake)\n\nRepository Not Found for url: https://huggingface.co/api/models/"
                    + requested + "/revision/main.\nPlease make sure you specified the correct `repo_id` and `repo_type`.\n"
                    + "If you are trying to access a private or gated repo, make sure you are authenticated."));
            }
            return (requested, null);
        }

        // LM Studio: a downloaded model is served (JIT-loaded if needed); an unknown name is ignored while a model is
        // loaded (it answers with the loaded one); with nothing loaded it is a 404 model_not_found.
        if (request.Model is { } name && (name == Options.Model || Options.OtherModels.Contains(name)))
        {
            return (name, null);
        }
        if (Options.ModelLoaded)
        {
            return (Options.Model, null);
        }
        var list = string.Join("\n", [Options.Model, .. Options.OtherModels]);
        return (Options.Model, FakeError.LmStudio(404,
            $"Model \"{request.Model}\" not found. Please specify a valid model.\n\nYour models:\n\n{list}",
            param: "model", code: "model_not_found"));
    }

    private FakeError? CheckContext(ChatRequest request, int promptTokens)
    {
        if (Options.EffectiveContextLength is not { } context)
        {
            return null;
        }
        if (Mlx)
        {
            // apply_prompt_token_limit with --prompt-overflow-policy error (ValueError -> 500).
            return promptTokens > context
                ? FakeError.Mlx(500, $"Prompt exceeds max prompt token limit: prompt_tokens={promptTokens}, max_prompt_tokens={context}")
                : null;
        }
        var needed = promptTokens + (Options.ContextCheckIncludesMaxTokens ? request.MaxTokens ?? 0 : 0);
        // LM Studio's wording (grammar included) when the prompt cannot fit the loaded context.
        return needed > context
            ? FakeError.LmStudioString(400, $"Trying to keep the first {needed} tokens when context the overflows. However, the model is loaded "
                + $"with context length of only {context} tokens, which is not enough. Try to load the model with a larger context "
                + "length, or provide a shorter input")
            : null;
    }

    private int? Budget(ChatRequest request, int promptTokens)
    {
        if (Mlx)
        {
            return request.MaxTokens ?? Options.MlxDefaultMaxTokens;
        }
        var room = Options.EffectiveContextLength is { } c ? Math.Max(0, c - promptTokens) : (int?)null;
        return (request.MaxTokens, room) switch
        {
            ({ } m, { } r) => Math.Min(m, r),
            ({ } m, null) => m,
            (null, var r) => r,
        };
    }

    /// <summary>Waits the simulated prefill; mlx streams report progress as ": keepalive N/M" after each prefill step.</summary>
    private async Task ProcessPromptAsync(int uncached, Pacer pacer, ResponseWriter? writer, CancellationToken ct)
    {
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
        var frame = new byte[DataPrefix.Length + json.Length + EventEnd.Length];
        DataPrefix.CopyTo(frame, 0);
        json.CopyTo(frame, DataPrefix.Length);
        EventEnd.CopyTo(frame, DataPrefix.Length + json.Length);
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

    private ResponseIdentity NewIdentity(ChatRequest request, string model)
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
