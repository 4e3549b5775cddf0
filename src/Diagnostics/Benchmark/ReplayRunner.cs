using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using AnyClaude.Diagnostics.Http;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>
/// Replays a recorded Claude Code session, request by request in the recorded order, streaming, once per mode: through a
/// private proxy in that mode (the mode's background policy applies, as in the user's sessions; the user's own proxy is
/// never switched) or, with Direct, straight at the backend with the bodies the engine's translator makes. Yields each
/// request as soon as it is measured; <see cref="ReplaySummary.From"/> sums up one mode.
/// </summary>
public static class ReplayRunner
{
    public static async IAsyncEnumerable<ReplayRequestResult> RunAsync(
        ReplayOptions options,
        IProgress<DiagnosticProgress>? progress = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (options.Requests.Count == 0) throw new ArgumentException("nothing to replay", nameof(options));
        if (options.Modes.Count == 0) throw new ArgumentException("no mode to replay against", nameof(options));
        using var http = new Proxy.Backends.BackendHttp(options.ConnectTimeout);
        WarmUp(options);
        foreach (var mode in options.Modes)
        {
            var activity = $"Replaying {options.Requests.Count} recorded requests against {mode} {(options.Direct ? "directly" : "through a private proxy")}";
            await using var proxy = options.Direct ? null : ProxyServer.Start(new ProxyOptions
            {
                Port = 0,
                Mode = mode,
                Backends = options.Backends.ToDictionary(p => p.Key, p => p.Value),
            });
            if (proxy is not null) await WarmUpProxyAsync(http, proxy, options, cancellationToken).ConfigureAwait(false);
            var estimator = new RunningCacheEstimate();
            // Claude Code's session ids are kept apart, but fresh: one replay never continues another's classification.
            var sessions = new Dictionary<string, string>();
            var runSession = Guid.NewGuid().ToString();
            var runMark = options.ColdStart ? $"[AnyClaude replay {Guid.NewGuid().ToString("N")[..12]}]" : null;
            for (var i = 0; i < options.Requests.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var recorded = options.Requests[i];
                progress?.Report(new DiagnosticProgress(activity, $"Request {i + 1} of {options.Requests.Count} ({recorded.Kind})", i * 100 / options.Requests.Count));
                var session = recorded.SessionId is { } s
                    ? sessions.TryGetValue(s, out var mapped) ? mapped : sessions[s] = Guid.NewGuid().ToString()
                    : runSession;
                var result = proxy is null
                    ? await SendDirectAsync(http, options, mode, recorded, runMark, cancellationToken).ConfigureAwait(false)
                    : await SendThroughProxyAsync(http, proxy, options, mode, recorded, runMark, session, cancellationToken).ConfigureAwait(false);
                yield return estimator.Apply(result);
            }
            progress?.Report(new DiagnosticProgress(activity, "Done", 100));
        }
    }

    /// <summary>Compiles the translation path once before anything is timed, so the first mode replayed does not pay for the
    /// JIT in its first request's time to first token.</summary>
    private static void WarmUp(ReplayOptions options)
    {
        var first = ReplayBody(options.Requests[0], options.MaxOutputTokens);
        try
        {
            foreach (var mode in options.Modes)
                ChatTranslation.TranslateRequest(System.Text.Encoding.UTF8.GetBytes(first.ToJsonString()),
                    options.Backends.TryGetValue(mode, out var s) ? s : BackendSettings.Default(mode));
        }
        catch (ArgumentException)
        {
            // The replay itself reports a request it cannot translate.
        }
    }

    /// <summary>A count_tokens call and a model list through the fresh proxy (no prompt reaches the backend, no cache is
    /// touched): its listener, request path and backend connection are ready before the first replayed request is timed.</summary>
    private static async Task WarmUpProxyAsync(Proxy.Backends.BackendHttp http, ProxyServer proxy, ReplayOptions options, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy.BaseUrl, "/v1/messages/count_tokens"))
        {
            Content = new StringContent(options.Requests[0].Body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", proxy.Token);
        using var models = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.BaseUrl, "/v1/models"));
        models.Headers.Authorization = request.Headers.Authorization;
        try
        {
            using var response = await http.ForLocalProxy().SendAsync(request, cancellationToken).ConfigureAwait(false);
            // The model list asks the backend: its connection is open before the first timed request.
            using var listed = await http.ForLocalProxy().SendAsync(models, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            // Only a warm-up: the replay reports any real problem.
        }
    }

    /// <summary>Claude Code's body as recorded, streaming, max_tokens capped, marked with the run (see ReplayOptions.ColdStart).</summary>
    internal static JsonObject ReplayBody(ReplayRequest recorded, int? maxOutputTokens, string? runMark = null)
    {
        var body = (JsonObject)recorded.Body.DeepClone();
        body["stream"] = true;
        if (runMark is not null) Mark(body, runMark, atStart: recorded.Kind != RequestKind.Background);
        if (maxOutputTokens is { } cap)
        {
            var recordedMax = body["max_tokens"] is JsonValue v && v.TryGetValue<int>(out var m) ? m : cap;
            body["max_tokens"] = Math.Min(recordedMax, cap);
        }
        return body;
    }

    /// <summary>Puts the run's mark at the start of the system prompt: the backend's prompt then differs from any earlier run's
    /// from its first tokens. Background requests get it at the end instead: the proxy recognises a title request by how its
    /// system prompt starts, and their small prompts matter for what they evict, not for their own prefix.</summary>
    internal static void Mark(JsonObject body, string mark, bool atStart)
    {
        string Join(string text) => atStart ? mark + "\n" + text : text + "\n" + mark;
        switch (body["system"])
        {
            case JsonValue v when v.TryGetValue<string>(out var text):
                body["system"] = Join(text);
                break;
            case JsonArray blocks when (atStart ? blocks.FirstOrDefault(IsText) : blocks.LastOrDefault(IsText)) is JsonObject block:
                block["text"] = Join(block["text"]!.GetValue<string>());
                break;
            default:
                // No system text to mark: the conversation's first message carries it as well as a system prompt would.
                if (body["messages"] is JsonArray { Count: > 0 } messages && messages[0] is JsonObject first)
                {
                    first["content"] = first["content"] switch
                    {
                        JsonValue c when c.TryGetValue<string>(out var t) => mark + "\n" + t,
                        JsonArray parts => new JsonArray([new JsonObject { ["type"] = "text", ["text"] = mark }, .. parts.Select(p => p?.DeepClone())]),
                        var other => other?.DeepClone(),
                    };
                }
                break;
        }

        static bool IsText(JsonNode? n) => n is JsonObject o && o["type"]?.GetValue<string>() == "text" && o["text"] is JsonValue;
    }

    private static async Task<ReplayRequestResult> SendThroughProxyAsync(Proxy.Backends.BackendHttp http, ProxyServer proxy, ReplayOptions options,
        BackendMode mode, ReplayRequest recorded, string? runMark, string session, CancellationToken cancellationToken)
    {
        var before = (await proxy.ReadRecordsAsync(0, TimeSpan.Zero, cancellationToken).ConfigureAwait(false)).Next;
        var client = new AnthropicMessagesClient(http, proxy.BaseUrl, proxy.Token);
        StreamMeasurement m;
        string? error = null;
        try
        {
            m = await client.StreamAsync(ReplayBody(recorded, options.MaxOutputTokens, runMark), session, options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (BackendCallException e) when (e.Status != 0)
        {
            // The proxy answered an error (the backend refused this request): a row that says so; the replay goes on.
            m = new StreamMeasurement();
            error = e.Message;
        }
        catch (BackendCallException e)
        {
            throw new BenchmarkException($"request {recorded.Index} ({recorded.Kind}, {mode}, Proxy) failed: {e.Message}", e);
        }
        error ??= Failure(m);
        // The proxy's own record knows what the client cannot see: whether the backend reported cached tokens at all
        // (LM Studio does not; the proxy then sends Claude Code 0), and whether a backend was asked at all.
        var record = await NewestRecordAsync(proxy, before, cancellationToken).ConfigureAwait(false);
        var answeredByProxy = record is not null && record.BackendUrl is null && record.Status < 400;
        var prompt = record is { UsageReported: true } ? record.InputTokens + (record.CachedTokens ?? 0) : m.PromptTokens;
        var cached = record is null ? (m.CachedTokensReported ? m.CachedTokens : null) : record.CachedTokens;
        return new ReplayRequestResult(mode, "Proxy", recorded.Index, recorded.Kind, m.TimeToFirstToken, m.Duration, prompt,
            answeredByProxy ? 0 : cached, m.OutputTokens)
        {
            AnsweredByProxy = answeredByProxy,
            ServedBy = record is not null && record.Mode != mode ? record.Mode : null,
            Error = error,
        };
    }

    /// <summary>The record of the request just sent (requests go one at a time): the newest after <paramref name="before"/>,
    /// from the proxy's record feed (the live view's long poll).</summary>
    private static async Task<RequestRecord?> NewestRecordAsync(ProxyServer proxy, long before, CancellationToken cancellationToken)
    {
        // The record is stored just before the last bytes reach the client; allow the listener a moment all the same.
        var batch = await proxy.ReadRecordsAsync(before, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        return batch.Records.Count > 0 ? batch.Records[^1] : null;
    }

    private static async Task<ReplayRequestResult> SendDirectAsync(Proxy.Backends.BackendHttp http, ReplayOptions options, BackendMode mode,
        ReplayRequest recorded, string? runMark, CancellationToken cancellationToken)
    {
        var settings = options.Backends.TryGetValue(mode, out var s) ? s : BackendSettings.Default(mode);
        var anthropic = ReplayBody(recorded, options.MaxOutputTokens, runMark);
        JsonObject chat;
        try
        {
            chat = (JsonObject)JsonNode.Parse(ChatTranslation.TranslateRequest(System.Text.Encoding.UTF8.GetBytes(anthropic.ToJsonString()), settings))!;
        }
        catch (ArgumentException e)
        {
            return new ReplayRequestResult(mode, "Direct", recorded.Index, recorded.Kind, null, TimeSpan.Zero, 0, null, 0)
            {
                Error = $"the recorded request cannot be translated: {e.Message}",
            };
        }
        StreamMeasurement m;
        string? error = null;
        try
        {
            m = await new OpenAiChatClient(http, settings).StreamAsync(chat, options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (BackendCallException e) when (e.Status != 0)
        {
            m = new StreamMeasurement();
            error = e.Message;
        }
        catch (BackendCallException e)
        {
            throw new BenchmarkException($"request {recorded.Index} ({recorded.Kind}, {mode}, Direct) failed: {e.Message}", e);
        }
        error ??= Failure(m);
        return new ReplayRequestResult(mode, "Direct", recorded.Index, recorded.Kind, m.TimeToFirstToken, m.Duration, m.PromptTokens,
            m.CachedTokensReported ? m.CachedTokens : null, m.OutputTokens) { Error = error };
    }

    private static string? Failure(StreamMeasurement m) =>
        m.Error is not null ? m.Error
        : !m.Completed ? "the stream ended without a complete answer"
        : null;

    /// <summary>Estimated cached tokens where a backend reports none, from prompt-processing time: the slowest time per
    /// prompt token seen so far on that backend (prompts large enough to set the rate) stands for a cold prefill.</summary>
    private sealed class RunningCacheEstimate
    {
        private readonly Dictionary<BackendMode, double> _coldSecondsPerToken = [];

        public ReplayRequestResult Apply(ReplayRequestResult r)
        {
            if (r.CachedTokens is not null || r.AnsweredByProxy || r.Error is not null || r.TimeToFirstToken is not { } ttft || r.PromptTokens <= 0)
                return r;
            var backend = r.ServedBy ?? r.Mode;
            if (r.PromptTokens >= CacheEstimator.MinimumPromptForRate)
            {
                var rate = ttft.TotalSeconds / r.PromptTokens;
                if (!_coldSecondsPerToken.TryGetValue(backend, out var known) || rate > known) _coldSecondsPerToken[backend] = rate;
            }
            return r with { EstimatedCachedTokens = CacheEstimator.CachedTokens(r.PromptTokens, ttft, _coldSecondsPerToken.GetValueOrDefault(backend)) };
        }
    }
}
