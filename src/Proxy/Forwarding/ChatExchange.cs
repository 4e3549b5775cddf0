using System.Net.Http.Headers;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Forwarding;

/// <summary>The chat path's part of a <see cref="BackendCall"/> (the forwarder's and the prewarmer's): a streaming
/// /chat/completions request, the backend's error statuses read with the prompt's size, and its SSE chunks translated
/// into Anthropic events.</summary>
internal sealed class ChatExchange(BackendSettings backend, string? model, ReadOnlyMemory<byte> body, ChatStreamTranslator translator, ContextFit fit)
    : IBackendExchange
{
    private readonly ChatSseLines _lines = new(backend);

    public ChatStreamTranslator Translator => translator;

    public HttpRequestMessage CreateRequest()
    {
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var message = new HttpRequestMessage(HttpMethod.Post, BackendUrls.ChatCompletions(backend.BaseUrl)) { Content = content };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (!string.IsNullOrEmpty(backend.ApiKey)) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", backend.ApiKey);
        foreach (var (name, value) in backend.Headers) message.Headers.TryAddWithoutValidation(name, value);
        return message;
    }

    public ApiException FromStatus(int status, byte[] errorBody, HttpResponseMessage response) =>
        BackendErrors.FromStatus(backend, status, errorBody, fit.InputTokens, fit.MaxTokens, model, BackendBodies.RetryAfter(response));

    public async ValueTask<bool> AcceptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/json") return true;
        // A server that ignored "stream": true (or answered an error with 200) sends one JSON body.
        var json = await BackendBodies.ReadLimitedAsync(response, ct).ConfigureAwait(false);
        var said = BackendErrors.ExtractMessage(json) is { } m ? (m.Length > 300 ? m[..300] + "…" : m) : "an empty body";
        throw BackendErrors.StreamFailed(backend, $"answered with a JSON body (Content-Type application/json) where an event stream was requested: {said}");
    }

    public bool OnRead(SseLineReader reader, out bool generating)
    {
        var done = _lines.Process(reader, translator);
        generating = translator.HasOutput;
        return done;
    }

    public void Complete()
    {
        try { translator.Complete(); }
        catch (BackendStreamException) when (!translator.Finished)
        {
            // No finish_reason: the backend ended the stream early (bad lines it sent on the way are named too).
            var early = BackendErrors.ClosedEarly(backend);
            throw _lines.SkippedLines == 0 ? early : new ApiException(early.Status, early.ErrorType, $"{early.Message} It {_lines.SkippedText[3..]}.");
        }
        catch (BackendStreamException e) { throw new BackendStreamException(_lines.Describe(e)); }
    }

    /// <summary>A finished stream's usage and stop reason into its record (the forwarder's and the prewarmer's).</summary>
    public void Fill(RecordDraft record)
    {
        var usage = translator.Usage;
        // The backend's own count wins over our estimate when it reported one.
        if (usage.InputTokens > 0 || usage.CachedTokens > 0) record.InputTokens = usage.InputTokens;
        record.OutputTokens = usage.OutputTokens;
        record.UsageReported = translator.UsageReported;
        // No figure is not zero: LM Studio reports no cached tokens even when its cache served the prompt.
        record.CachedTokens = translator.CachedTokensReported ? usage.CachedTokens : null;
        record.StopReason = translator.StopReason;
        // No model configured: the one the backend says it used (LM Studio's loaded model), for the status line and records.
        if (string.IsNullOrEmpty(record.Model) && translator.BackendModel is { Length: > 0 } used) record.Model = used;
    }
}
