using System.Buffers;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Forwarding;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Prewarm;

/// <summary>What a prewarm did.</summary>
public enum PrewarmOutcome
{
    /// <summary>The backend processed the conversation (max_tokens 1): its next turn is served from the cache.</summary>
    Warmed,
    /// <summary>No main turn has gone through this proxy yet.</summary>
    NothingToWarm,
    /// <summary>The target speaks the Messages API itself (Claude, Anthropic-compatible): not prewarmed.</summary>
    NotSupported,
    /// <summary>The backend stayed busy with users' requests: the prewarm gave way.</summary>
    Busy,
    /// <summary>The backend answered with an error or could not be reached.</summary>
    Failed,
}

/// <summary>
/// Sends the current main conversation, translated for a target backend, with max_tokens 1, so the backend's prompt
/// cache holds it before the user's first turn after a mode switch. It only starts while the target backend is idle
/// (no request in flight, none waiting) and then holds the backend's slot like any request, so it never runs
/// alongside a user's request on that backend. Recorded in the history with kind Prewarm.
/// </summary>
internal sealed class Prewarmer(BackendServices services, RecordHistory history)
{
    private static readonly TimeSpan s_idlePoll = TimeSpan.FromMilliseconds(50);
    private sealed record MainTurn(ReadOnlyMemory<byte> Body, BackendMode Mode);
    private MainTurn? _lastMain;

    /// <summary>Keeps the newest main turn's client body (the conversation to warm) and the mode it went to. Kept, not
    /// copied: RequestBodyReader gives each request an array of its own that nothing writes to once read (a copy of
    /// every main turn's 80-300 KB body cost the hot path for a feature that is opt-in).</summary>
    public void Remember(ReadOnlyMemory<byte> mainRequestBody, BackendMode mode) => Volatile.Write(ref _lastMain, new MainTurn(mainRequestBody, mode));

    /// <summary>The mode the newest main turn went to; null before the first.</summary>
    public BackendMode? MainMode => Volatile.Read(ref _lastMain)?.Mode;

    public async Task<PrewarmOutcome> WarmAsync(BackendSettings target, TimeSpan waitForIdle, CancellationToken ct)
    {
        if (Volatile.Read(ref _lastMain) is not { Body: var body }) return PrewarmOutcome.NothingToWarm;
        if (target.Mode is BackendMode.Claude or BackendMode.AnthropicCompatible) return PrewarmOutcome.NotSupported;

        var waited = System.Diagnostics.Stopwatch.StartNew();
        ConcurrencyLimiter.Slot? slot;
        while ((slot = services.Limiter.TryAcquireIdle(target)) is null)
        {
            if (waited.Elapsed >= waitForIdle) return PrewarmOutcome.Busy;
            await Task.Delay(s_idlePoll, ct).ConfigureAwait(false);
        }
        using var held = slot.Value;

        var record = new RecordDraft(MessageIds.NewRequestId(), "/v1/messages") { Kind = RequestKind.Prewarm, Mode = target.Mode, BackendUrl = target.BaseUrl.AbsoluteUri, Stream = true };
        try
        {
            using var request = MessagesRequest.Parse(body);
            record.RequestedModel = request.Model;
            record.Model = target.Model;
            var translated = new ArrayBufferWriter<byte>(body.Length + 1024);
            ChatRequestTranslator.Write(request, BackendProfile.For(target), 1, translated);
            var translator = new ChatStreamTranslator(EventSinks.Aggregator());
            translator.Start(MessageIds.New(), request.Model, 0);

            using var message = OpenAiChatForwarder.CreateRequest(target, translated.WrittenMemory);
            using var response = await services.Http.For(target).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            record.Status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                record.Error = $"The backend answered the prewarm with HTTP {(int)response.StatusCode}.";
                return PrewarmOutcome.Failed;
            }
            await using (var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false))
            {
                using var reader = new SseLineReader(stream);
                var lines = new ChatSseLines(target);
                var done = false;
                while (!done)
                {
                    var more = await reader.FillAsync(ct).ConfigureAwait(false);
                    done = lines.Process(reader, translator);
                    if (translator.HasOutput) record.MarkFirstToken();
                    if (!more) break;
                }
            }
            translator.Complete();
            OpenAiChatForwarder.Fill(record, translator);
            return PrewarmOutcome.Warmed;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or BackendStreamException or Errors.ApiException)
        {
            record.Error = $"Prewarm failed: {e.Message}";
            if (record.Status < 400) record.Status = 502;
            return PrewarmOutcome.Failed;
        }
        finally
        {
            history.Add(record.Freeze());
        }
    }
}
