using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Forwarding;

/// <summary>How a call gets the backend's slot (<see cref="ConcurrencyLimiter"/>).</summary>
internal enum SlotPolicy
{
    /// <summary>A user's turn: served before background work.</summary>
    Foreground,
    /// <summary>Background work (titles, summaries): queued behind every waiting main turn.</summary>
    Background,
    /// <summary>Only while the backend is idle and nobody waits (a prewarm); gives up after <see cref="BackendCallOptions.WaitForIdle"/>.</summary>
    WhenIdle,
}

/// <summary>What differs between the callers of <see cref="BackendCall"/>: each forwarder's request, its reading of an
/// error status, and its translate-or-relay step. Every method but AcceptAsync runs synchronously; OnRead and Complete
/// run inside the client's write gate, so they may write to the client's buffer.</summary>
internal interface IBackendExchange
{
    /// <summary>Step 2: the backend request (its body already transformed).</summary>
    HttpRequestMessage CreateRequest();

    /// <summary>Step 3: a status that is not 2xx, as the client's error. errorBody: at most 64 KB of the backend's answer.</summary>
    ApiException FromStatus(int status, byte[] errorBody, HttpResponseMessage response);

    /// <summary>Step 3: a 2xx response. True to read it as an event stream (step 4); false when it was handled whole.</summary>
    ValueTask<bool> AcceptAsync(HttpResponseMessage response, CancellationToken ct);

    /// <summary>Step 4, after every read: takes every complete line of the reader. True once the stream has ended by its
    /// own grammar. generating: the backend has sent output tokens (the shorter generation stall timeout applies).</summary>
    bool OnRead(SseLineReader reader, out bool generating);

    /// <summary>Step 5: the stream ended. Finishes the client's answer, or throws when the backend ended it early.</summary>
    void Complete();
}

/// <summary>The inputs of one backend call that are not the exchange's own.</summary>
internal readonly record struct BackendCallOptions
{
    public required BackendSettings Backend { get; init; }
    public required RecordDraft Record { get; init; }
    public SlotPolicy Slot { get; init; }
    public TimeSpan WaitForIdle { get; init; }
    /// <summary><see cref="SlotPolicy.WhenIdle"/> only: asked once the slot is held; false gives it back unused (a
    /// prewarm made stale by a user's turn that came first).</summary>
    public Func<bool>? StillWanted { get; init; }
    /// <summary>Silence allowed before the first token and once tokens flow (<see cref="ProxyOptions.StallLimits"/>).</summary>
    public required (TimeSpan FirstToken, TimeSpan Generation) Stall { get; init; }
    public TimeSpan PingInterval { get; init; }
    /// <summary>Polled by the heartbeat: true once the client hung up; then RequestCancel is cancelled.</summary>
    public Func<bool>? ClientClosed { get; init; }
    public CancellationTokenSource? RequestCancel { get; init; }

    /// <summary>A client's request: its record, the limits of its options, its hang-up watch.</summary>
    public static BackendCallOptions For(RequestScope scope, BackendSettings backend) => new()
    {
        Backend = backend,
        Record = scope.Record,
        Slot = scope.Record.Kind == RequestKind.Background ? SlotPolicy.Background : SlotPolicy.Foreground,
        Stall = scope.Options.StallLimits(backend),
        PingInterval = scope.Options.PingInterval,
        ClientClosed = scope.ClientClosed,
        RequestCancel = scope.Cancel,
    };
}

/// <summary>
/// The one way a request reaches a backend (the forwarders and the prewarmer), as dotnet/yarp's HttpForwarder.SendAsync
/// is for YARP: one method, numbered steps, one error classification. The stall guard (<see cref="Heartbeat"/>) watches
/// the whole call, from the send to the end of the stream; the client's hang-up cancels it.
/// </summary>
internal sealed class BackendCall(BackendHttp http, ConcurrencyLimiter limiter)
{
    private static readonly TimeSpan s_idlePoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Unsent bytes at which the relay sends even while the backend's next bytes are already there: ~80
    /// events per write; small enough that the client's buffer (which grows by doubling) stays off the large object heap.</summary>
    internal const int SendAtBytes = 16 * 1024;

    /// <summary>Runs the call. output: the client's stream (null when the client gets no stream: a whole answer, a
    /// prewarm); once it has begun, a failure reaches the client as an error event and this returns normally. Before
    /// that, a failure is thrown as an <see cref="ApiException"/> (an HTTP error Claude Code acts on). False only when
    /// <see cref="SlotPolicy.WhenIdle"/> gave up on a backend that stayed busy.</summary>
    public async Task<bool> SendAsync(IBackendExchange exchange, BackendCallOptions call, SseResponse? output, CancellationToken ct)
    {
        var backend = call.Backend;
        // The stall timer cancels only the backend call; the client still gets the timeout as an error.
        using var backendCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var heartbeat = new Heartbeat(call.Stall.FirstToken, call.PingInterval, output is null ? null : output.PingAsync,
            backendCancel, call.ClientClosed, call.RequestCancel, call.Stall.Generation);
        if (output is not null) output.Written = heartbeat.ClientWrite;
        var token = backendCancel.Token;
        try
        {
            // 1. Slot: the backend's concurrency limit (the stall clock does not run while queued).
            if (await AcquireAsync(call, token).ConfigureAwait(false) is not { } slot) return false;
            using var held = slot;

            // 2. Send: the response head, classified when it does not come (down, refused, closed, connect timeout).
            heartbeat.BackendStarted();
            using var message = exchange.CreateRequest();
            HttpResponseMessage response;
            try
            {
                response = await http.For(backend).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            }
            catch (Exception e) when (!token.IsCancellationRequested && BackendErrors.FromSendFailure(backend, e, http.ConnectTimeout) is { } failure)
            {
                throw failure;
            }
            using (response)
            {
                // 3. Status: an error status is the client's error; a 2xx is accepted (or handled whole) by the exchange.
                heartbeat.BackendByte();
                if (!response.IsSuccessStatusCode)
                {
                    var errorBody = await BackendBodies.ReadLimitedAsync(response, token).ConfigureAwait(false);
                    throw exchange.FromStatus((int)response.StatusCode, errorBody, response);
                }
                if (!await exchange.AcceptAsync(response, token).ConfigureAwait(false)) return true;
                if (output is not null)
                {
                    // The backend accepted: pings may go out from now on, and what the client is owed already (the
                    // translator's message_start) goes now; the stream is committed from here on.
                    output.PingsHeld = false;
                    await output.EnterAsync().ConfigureAwait(false);
                    await output.FlushAndExitAsync().ConfigureAwait(false);
                }

                // 4. Stream: one pooled reader; every read goes to the exchange inside the client's write gate. What it
                // wrote is sent when the next read would wait (or at SendAtBytes), so a burst the backend has already
                // sent costs one client write, not one per read; a backend that trickles still gets each read sent.
                await using var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                using var reader = new SseLineReader(stream);
                var done = false;
                var entered = false; // the gate is held, with unsent bytes possibly in the client's buffer
                try
                {
                    while (!done)
                    {
                        var fill = reader.FillAsync(token);
                        if (entered && (!fill.IsCompleted || output!.Buffer.WrittenCount >= SendAtBytes))
                        {
                            entered = false;
                            try
                            {
                                await output!.FlushAndExitAsync().ConfigureAwait(false);
                            }
                            catch
                            {
                                // The read in flight writes into the reader's pooled buffer: end it before the buffer goes.
                                await backendCancel.CancelAsync().ConfigureAwait(false);
                                await ObserveAsync(fill).ConfigureAwait(false);
                                throw;
                            }
                        }
                        bool more;
                        try
                        {
                            more = await fill.ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is IOException or HttpRequestException && !token.IsCancellationRequested)
                        {
                            break; // connection cut mid-stream: step 5 reports the early end
                        }
                        heartbeat.BackendByte();
                        if (output is not null && !entered)
                        {
                            await output.EnterAsync().ConfigureAwait(false);
                            entered = true;
                        }
                        token.ThrowIfCancellationRequested();
                        done = exchange.OnRead(reader, out var generating);
                        if (generating)
                        {
                            call.Record.MarkFirstToken();
                            heartbeat.GenerationStarted();
                        }
                        if (!more) break;
                    }
                }
                finally
                {
                    if (entered) await output!.FlushAndExitAsync().ConfigureAwait(false);
                }

                // 5. Complete: the exchange finishes the answer or says how the stream ended early.
                if (output is not null) await output.EnterAsync().ConfigureAwait(false);
                try { exchange.Complete(); }
                finally
                {
                    if (output is not null) await output.FlushAndExitAsync().ConfigureAwait(false);
                }
                return true;
            }
        }
        catch (Exception e) when ((e is not OperationCanceledException || heartbeat.Stalled) && output is not { ClientGone: true })
        {
            // The one classification: a stall, the backend's or the stream's failure, or ours (null).
            var error = e switch
            {
                _ when heartbeat.Stalled => BackendErrors.Stalled(backend, heartbeat.StallTimeout),
                ApiException api => api,
                BackendStreamException stream => BackendErrors.StreamFailed(backend, stream.Message),
                _ => null,
            };
            // Nothing sent yet (backend down, or it refused at once): an HTTP error Claude Code acts on.
            if (output is null || await output.TryAbandonAsync().ConfigureAwait(false))
            {
                if (error is null || ReferenceEquals(error, e)) throw;
                throw error;
            }
            // Once the stream has begun, anything that goes wrong reaches the client as an error event: the listener
            // would otherwise end the response as if it were complete.
            error ??= BackendErrors.StreamFailed(backend, $"the proxy failed while relaying the stream ({e.GetType().Name}: {e.Message})");
            call.Record.Error = error.Message;
            await output.WriteErrorEventAsync(error).ConfigureAwait(false);
            return true;
        }
    }

    private static async Task ObserveAsync(ValueTask<bool> fill)
    {
        try { await fill.ConfigureAwait(false); }
        catch (Exception) { /* the call is failing already: the first failure is the one reported */ }
    }

    private async ValueTask<ConcurrencyLimiter.Slot?> AcquireAsync(BackendCallOptions call, CancellationToken ct)
    {
        if (call.Slot != SlotPolicy.WhenIdle)
            return await limiter.AcquireAsync(call.Backend, ct, background: call.Slot == SlotPolicy.Background).ConfigureAwait(false);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        ConcurrencyLimiter.Slot? slot;
        while ((slot = limiter.TryAcquireIdle(call.Backend)) is null)
        {
            if (waited.Elapsed >= call.WaitForIdle) return null;
            await Task.Delay(s_idlePoll, ct).ConfigureAwait(false);
        }
        if (call.StillWanted is { } wanted && !wanted())
        {
            slot.Value.Dispose();
            return null;
        }
        return slot;
    }
}
