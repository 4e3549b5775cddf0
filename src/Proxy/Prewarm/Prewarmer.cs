using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
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

/// <summary>Why the proxy sent a prewarm (RequestRecord.Reason).</summary>
public static class PrewarmReason
{
    /// <summary>Set-AnyClaudeMode -Prewarm, or a mode switch with prewarming on.</summary>
    public const string ModeSwitch = "ModeSwitch";
    /// <summary>Claude Code's /model probe named another mode than the main conversation's.</summary>
    public const string ModelSwitch = "ModelSwitch";
    /// <summary>Start-AnyClaude warmed the remembered head of the last session in this folder.</summary>
    public const string WarmStart = "WarmStart";
    /// <summary>Start-AnyClaude with --continue/--resume warmed the resumed conversation.</summary>
    public const string Resume = "Resume";
    /// <summary>A sub-agent ran on a one-slot backend: the main conversation is put back before its next turn.</summary>
    public const string AfterSubAgent = "AfterSubAgent";
}

/// <summary>
/// Sends the current main conversation, translated for a target backend, with max_tokens 1, so the backend's prompt
/// cache holds it before the user's first turn after a mode switch. It only starts while the target backend is idle
/// (no request in flight, none waiting) and then holds the backend's slot like any request, so it never runs
/// alongside a user's request on that backend. It goes through the one backend call, so a backend that goes silent
/// meets the same stall guard as a user's request, and its whole lifetime is bounded: a prewarm never keeps the
/// slot from the user's next turn for longer than a silent prefill may take. Recorded in the history with kind Prewarm.
/// </summary>
internal sealed class Prewarmer(BackendServices services, RecordHistory history, ProxyOptions options)
{
    private sealed record MainTurn(ReadOnlyMemory<byte> Body, BackendMode Mode, string? SessionId, long Number);
    private MainTurn? _lastMain;
    private int _started;

    /// <summary>How many warms were started (tests observe a decision not to warm from it, not from elapsed time).</summary>
    internal int Started => Volatile.Read(ref _started);
    private long _mainTurns;
    private int _afterSubAgentPending;

    /// <summary>Keeps the newest main turn's client body (the conversation to warm) and the mode it went to. Kept, not
    /// copied: RequestBodyReader gives each request an array of its own that nothing writes to once read (a copy of
    /// every main turn's 80-300 KB body cost the hot path for a feature that is opt-in).</summary>
    public void Remember(ReadOnlyMemory<byte> mainRequestBody, BackendMode mode, string? sessionId = null) =>
        Volatile.Write(ref _lastMain, new MainTurn(mainRequestBody, mode, sessionId, Interlocked.Increment(ref _mainTurns)));

    /// <summary>The mode the newest main turn went to; null before the first.</summary>
    public BackendMode? MainMode => Volatile.Read(ref _lastMain)?.Mode;

    /// <summary>The newest main turn's client body and session (what a warm start remembers); null before the first.</summary>
    public (ReadOnlyMemory<byte> Body, string? SessionId)? LastMain => Volatile.Read(ref _lastMain) is { } m ? (m.Body, m.SessionId) : null;

    public Task<PrewarmOutcome> WarmAsync(BackendSettings target, TimeSpan waitForIdle, CancellationToken ct) =>
        WarmAsync(target, waitForIdle, PrewarmReason.ModeSwitch, null, ct);

    /// <summary>After a sub-agent's request on a one-slot backend: puts the main conversation back in the backend's cache
    /// before the main turn that follows. One at a time; given up when a main turn starts first (it then prefills
    /// itself, and a late prewarm would only replace its cache entry with a shorter one).</summary>
    public async Task<PrewarmOutcome> WarmAfterSubAgentAsync(BackendSettings target, TimeSpan waitForIdle, CancellationToken ct)
    {
        if (Volatile.Read(ref _lastMain) is not { } main) return PrewarmOutcome.NothingToWarm;
        if (Interlocked.Exchange(ref _afterSubAgentPending, 1) == 1) return PrewarmOutcome.Busy;
        try
        {
            return await WarmCoreAsync(target, waitForIdle, PrewarmReason.AfterSubAgent, main.Body,
                () => Interlocked.Read(ref _mainTurns) == main.Number, ct).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _afterSubAgentPending, 0);
        }
    }

    /// <summary>Warms body (null: the newest main turn's) on target, recorded as a Prewarm with this reason.</summary>
    public Task<PrewarmOutcome> WarmAsync(BackendSettings target, TimeSpan waitForIdle, string reason, ReadOnlyMemory<byte>? body, CancellationToken ct) =>
        WarmCoreAsync(target, waitForIdle, reason, body, null, ct);

    private async Task<PrewarmOutcome> WarmCoreAsync(BackendSettings target, TimeSpan waitForIdle, string reason, ReadOnlyMemory<byte>? given,
        Func<bool>? stillWanted, CancellationToken ct)
    {
        Interlocked.Increment(ref _started);
        ReadOnlyMemory<byte> body;
        if (given is { } g) body = g;
        else if (Volatile.Read(ref _lastMain) is { Body: var last }) body = last;
        else return PrewarmOutcome.NothingToWarm;
        if (target.SpeaksMessagesApi) return PrewarmOutcome.NotSupported;

        var record = new RecordDraft(MessageIds.NewRequestId(), "/v1/messages")
        {
            Kind = RequestKind.Prewarm, Mode = target.Mode, BackendUrl = target.BaseUrl.AbsoluteUri, Stream = true, Reason = reason,
        };
        var stall = options.StallLimits(target);
        // Bounded: one silent prefill and one token's silence, whatever the backend sends meanwhile.
        var lifetime = stall.FirstToken + stall.Generation;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(lifetime);
        ChatExchange? exchange = null;
        try
        {
            using var request = MessagesRequest.Parse(body);
            record.RequestedModel = request.Model;
            record.Model = target.Model;
            // The same steps as a main turn's (context policy, translation), so the backend caches what the turn will send.
            var fit = await services.Context.ApplyAsync(request, target, target.Model, record, bounded.Token).ConfigureAwait(false);
            ReadOnlyMemory<byte> translated;
            using (fit.Cut) translated = OpenAiChatForwarder.Translate(fit.Cut ?? request, target, target.Model, 1);
            exchange = new ChatExchange(target, target.Model, translated, new ChatStreamTranslator(EventSinks.Aggregator()), fit with { MaxTokens = 1 });
            exchange.Translator.Start(MessageIds.New(), request.Model, fit.InputTokens);
            var call = new BackendCallOptions
            {
                Backend = target, Record = record, Slot = SlotPolicy.WhenIdle, WaitForIdle = waitForIdle, Stall = stall, StillWanted = stillWanted,
            };
            if (!await services.Call.SendAsync(exchange, call, output: null, bounded.Token).ConfigureAwait(false))
            {
                exchange = null;
                return PrewarmOutcome.Busy; // not recorded: nothing was sent
            }
            exchange.Fill(record);
            return PrewarmOutcome.Warmed;
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or IOException
            || (e is OperationCanceledException && bounded.IsCancellationRequested && !ct.IsCancellationRequested))
        {
            record.Error = e is OperationCanceledException
                ? $"Prewarm gave up after {lifetime.TotalMinutes:0.#} min: {BackendNames.Display(target.Mode)} at {target.BaseUrl} had not finished a one-token answer."
                : $"Prewarm failed: {e.Message}";
            record.Status = e is ApiException api ? api.Status : 502;
            return PrewarmOutcome.Failed;
        }
        finally
        {
            if (exchange is not null || record.Error is not null) history.Add(record.Freeze());
        }
    }
}
