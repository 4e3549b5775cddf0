using System.Net;
using AnyClaude.Proxy.Classification;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Forwarding;
using AnyClaude.Proxy.Forwarding.Context;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Routing;
using AnyClaude.Proxy.Security;
using AnyClaude.Proxy.Tokens;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Hosting;

/// <summary>Checks, routes and records one request. Errors before a response has started become Anthropic
/// error responses; every request leaves a record.</summary>
internal sealed class RequestDispatcher(ProxyServer server, ProxyOptions options, RequestGuard guard, ModeTable modes,
    BackendServices backends, RecordHistory history, TraceWriter? trace, Prewarm.Prewarmer prewarmer)
{
    private readonly OpenAiChatForwarder _chat = new(backends);
    private readonly AnthropicForwarder _anthropic = new(backends);
    private readonly ControlEndpoint _control = new(server, modes, history);
    private readonly RequestClassifier _classifier = new();
    private int _handled;

    /// <summary>Requests handled to the end, including what is decided after the answer (a prewarm after a probe).</summary>
    public int Handled => Volatile.Read(ref _handled);

    public async Task HandleAsync(HttpListenerContext context, CancellationToken serverStopping)
    {
        var request = context.Request;
        var path = request.Url?.AbsolutePath ?? "/";
        var record = new RecordDraft(MessageIds.NewRequestId(), path)
        {
            Mode = modes.Current.Active,
            SessionId = request.Headers["X-Claude-Code-Session-Id"],
            // Claude Code 2.1.x sends it with a sub-agent's requests only (docs/claude-code-footprint.md).
            AgentId = request.Headers["x-claude-code-agent-id"],
        };
        using var scope = new RequestScope(context, record, options, CancellationTokenSource.CreateLinkedTokenSource(serverStopping), server.Token)
        {
            Committing = draft => Complete(draft, path),
        };
        // As Anthropic does: the id names the request in Get-AnyClaude -Request, and lets a benchmark read its record.
        scope.Response.SetHeader("request-id", record.Id);
        try
        {
            await RouteAsync(scope, request.HttpMethod, path).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            record.Status = e.Status;
            record.Error = e.Message;
            await TryWriteErrorAsync(scope, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (serverStopping.IsCancellationRequested)
        {
            var error = new ApiException(500, "api_error", "The AnyClaude proxy stopped while this request was in flight.");
            record.Status = scope.ResponseStarted ? record.Status : error.Status;
            record.Error = error.Message;
            await TryWriteErrorAsync(scope, error).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (scope.Token.IsCancellationRequested)
        {
            // Only our own token means the client hung up; a timeout elsewhere (a backend connect) is not one.
            record.Error = "The client closed the connection.";
            if (!scope.ResponseStarted) record.Status = 499;
            scope.Response.Abort();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            record.Error = "The client closed the connection.";
            scope.Response.Abort();
        }
        catch (Exception e)
        {
            var error = new ApiException(500, "api_error", $"Internal proxy error: {e.GetType().Name}: {e.Message}");
            record.Status = 500;
            record.Error = error.Message;
            await TryWriteErrorAsync(scope, error).ConfigureAwait(false);
        }
        scope.Commit();
        Interlocked.Increment(ref _handled);
    }

    private async Task RouteAsync(RequestScope scope, string method, string path)
    {
        var headers = scope.Request.Headers;
        if (RequestGuard.CheckPeer(scope.Request.RemoteEndPoint) is { } foreign) throw foreign;
        if (RequestGuard.CheckOrigin(headers) is { } forbidden) throw forbidden;
        // HEAD / is Claude Code's connectivity probe; it reveals nothing, so it needs no token.
        if (method == "HEAD" && path == "/")
        {
            HttpResponder.WriteEmpty(scope.Response, 200);
            return;
        }
        // The one token check: /anyclaude/… needs the control token, everything else the data-plane token.
        if (guard.Authorize(path, headers) is { } unauthorized) throw unauthorized;

        switch (method, path)
        {
            case ("GET", "/"):
                await HttpResponder.WriteJsonAsync(scope, 200, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("name", "AnyClaude proxy");
                    w.WriteString("mode", ModeNames.ToEnvironmentName(modes.Current.Active));
                    w.WriteEndObject();
                }, scope.Token).ConfigureAwait(false);
                return;
            case ("POST", "/v1/messages"):
                await MessagesAsync(scope).ConfigureAwait(false);
                return;
            case ("POST", "/v1/messages/count_tokens"):
                await CountTokensAsync(scope).ConfigureAwait(false);
                return;
            case ("GET", "/v1/models"):
                scope.Record.Kind = RequestKind.Probe;
                var snapshot = modes.Current;
                var discovered = await ModelsEndpoint.DiscoverAsync(backends.Http, snapshot, scope.Token).ConfigureAwait(false);
                await HttpResponder.WriteJsonAsync(scope, 200, w => ModelsEndpoint.Write(w, snapshot, server.StartedAt, discovered), scope.Token).ConfigureAwait(false);
                return;
        }
        if (path.StartsWith(ControlEndpoint.Prefix, StringComparison.Ordinal) && await _control.TryHandleAsync(scope, method, path).ConfigureAwait(false))
            return;
        throw new ApiException(404, "not_found_error", $"No route for {method} {path}. This proxy serves POST /v1/messages, POST /v1/messages/count_tokens and GET /v1/models.");
    }

    private async Task MessagesAsync(RequestScope scope)
    {
        var body = await RequestBodyReader.ReadAsync(scope, options.MaxRequestBytes).ConfigureAwait(false);
        using var request = MessagesRequest.Parse(body);
        var record = scope.Record;
        record.RequestedModel = request.Model;
        record.Stream = request.Stream;
        (record.Kind, record.ConversationId) = _classifier.Classify(record.SessionId, request, record.AgentId);
        // Claude Code's summary request continues the main conversation (same id) but is its own kind.
        if (record.Kind is RequestKind.Main or RequestKind.SubAgent && SummaryRequest.Is(request)) record.Kind = RequestKind.Compaction;
        // One snapshot for the whole request: a mode switch mid-request does not move it.
        var snapshot = modes.Current;
        if (scope.TraceClientRequests) record.ClientRequestBody = scope.RedactClientBody(body.Span, snapshot.Backends.Values);
        var route = Route(snapshot, request.Model);
        if (record.Kind == RequestKind.Background)
        {
            var policy = route.Backend.EffectiveBackgroundRequests;
            if (policy.Action == BackgroundAction.AnswerLocally && TitleRequest.Is(request))
            {
                // A title decides nothing; answering it here keeps a one-slot backend's cache on the main conversation.
                record.Mode = route.Backend.Mode;
                await LocalAnswer.WriteTextAsync(scope, request, TitleRequest.Answer(request)).ConfigureAwait(false);
                return;
            }
            if (policy is { Action: BackgroundAction.Route, Mode: { } target })
            {
                var backend = snapshot.Get(target);
                route = new Route(backend, policy.Model ?? backend.Model, true);
            }
        }
        if (record.Kind == RequestKind.SubAgent && route.Backend.EffectiveSubAgentRequests is { Mode: { } subAgentMode } subAgents)
        {
            var backend = snapshot.Get(subAgentMode);
            route = new Route(backend, subAgents.Model ?? backend.Model, true);
        }
        record.Mode = route.Backend.Mode;
        record.BackendUrl = route.Backend.BaseUrl.AbsoluteUri;
        if (record.Kind == RequestKind.Main) prewarmer.Remember(body, route.Backend.Mode, record.SessionId);
        if (route.Backend.SpeaksMessagesApi)
            await _anthropic.HandleAsync(scope, request, body, route).ConfigureAwait(false);
        else
            await _chat.HandleAsync(scope, request, route).ConfigureAwait(false);
        if (record.Kind == RequestKind.Probe) PrewarmAfterModelProbe(record, route);
        if (record.Kind == RequestKind.SubAgent) PrewarmAfterSubAgent(route);
    }

    /// <summary>A sub-agent's turn on a one-slot backend (one request at a time) evicted the main conversation from its
    /// cache: once the backend is idle, the main conversation is warmed again (reason AfterSubAgent) so its next turn,
    /// which follows the sub-agents' results, prefills only its growth. Yields to any user request, and is dropped when
    /// the main turn comes first.</summary>
    private void PrewarmAfterSubAgent(Route route)
    {
        if (!options.PrewarmAfterSubAgents || route.Backend.SpeaksMessagesApi || route.Backend.EffectiveMaxConcurrency > 1) return;
        if (prewarmer.MainMode is not { } main || main != route.Backend.Mode) return;
        _ = server.PrewarmAfterSubAgentAsync(route.Backend with { Model = route.Model });
    }

    /// <summary>Claude Code's /model &lt;id&gt; sends a max_tokens 1 probe naming the new model as soon as it is typed
    /// (2.1.197 and 2.1.332, before the user confirms); the main conversation's next turn names it too. With
    /// ProxyOptions.Prewarm, a probe that goes to another mode than the main conversation's starts warming that
    /// backend now, after the probe itself was answered, so the probe never waits behind the prewarm.</summary>
    private void PrewarmAfterModelProbe(RecordDraft probe, Route route)
    {
        if (!options.Prewarm || probe.Error is not null || probe.Status >= 400) return;
        if (prewarmer.MainMode is not { } main || main == route.Backend.Mode) return;
        _ = server.PrewarmAsync(route.Backend with { Model = route.Model }, Prewarm.PrewarmReason.ModelSwitch);
    }

    /// <summary>A role id (Start-AnyClaude's background or sub-agent model id) names no model: it goes where any
    /// request goes, with the mode's own model, and never reaches a backend as it is.</summary>
    private static Route Route(ModeSnapshot snapshot, string model)
    {
        if (!RoleModelIds.IsRoleId(model)) return RouteResolver.Resolve(snapshot, model);
        return RouteResolver.Resolve(snapshot, null) with { NamesMode = true };
    }

    private static async Task CountTokensAsync(RequestScope scope)
    {
        scope.Record.Kind = RequestKind.CountTokens;
        var body = await RequestBodyReader.ReadAsync(scope, scope.Options.MaxRequestBytes).ConfigureAwait(false);
        using var request = MessagesRequest.Parse(body, requireMaxTokens: false);
        scope.Record.RequestedModel = request.Model;
        int count;
        // Nothing is written while counting: watch the socket so a client that hangs up stops the work at once.
        using (new Heartbeat(scope.Options.StallTimeout, scope.Options.PingInterval, null, scope.Cancel, scope.ClientClosed, scope.Cancel))
            count = TokenCounter.CountRequest(request.Root, scope.Token);
        scope.Record.InputTokens = count;
        await HttpResponder.WriteJsonAsync(scope, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("input_tokens", count);
            w.WriteEndObject();
        }, scope.Token).ConfigureAwait(false);
    }

    private static async Task TryWriteErrorAsync(RequestScope scope, ApiException error)
    {
        try
        {
            // A reset, never the listener's graceful close (which would hand the client an empty 200 or a stream that
            // looks complete).
            if (scope.ResponseStarted) scope.Response.Abort();
            else await HttpResponder.WriteErrorAsync(scope, error, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private void Complete(RecordDraft draft, string path)
    {
        // Probes and control calls are not model requests; keep the history about traffic.
        if (path == "/" || path.StartsWith(ControlEndpoint.Prefix, StringComparison.Ordinal)) return;
        var record = draft.Freeze();
        _classifier.Observe(record.SessionId, record.Kind, record.ConversationId, record.StopReason);
        history.Add(record);
        trace?.Enqueue(record, draft.RequestBody, draft.ResponseBody, draft.ClientRequestBody);
    }
}
