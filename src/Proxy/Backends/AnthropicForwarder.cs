using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Routing;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Backends;

/// <summary>
/// Backends that speak the Messages API themselves: Claude (the real API, the user's own key, the body as
/// sent) and Anthropic-compatible local servers (body normalised for prompt-cache reuse). The response
/// bytes are relayed unchanged; events are only scanned to fill the record.
/// </summary>
internal sealed class AnthropicForwarder(BackendServices services)
{
    private const string DefaultVersion = "2023-06-01";

    public async Task HandleAsync(RequestScope scope, MessagesRequest request, ReadOnlyMemory<byte> clientBody, Route route)
    {
        var backend = route.Backend;
        var record = scope.Record;
        var body = BuildBody(request, clientBody, route, out var model);
        record.Model = model;
        if (scope.TraceBodies) record.RequestBody = scope.RedactBody(body.Span, backend);

        using var backendCancel = CancellationTokenSource.CreateLinkedTokenSource(scope.Token);
        SseResponse? sse = null;
        var (firstToken, generation) = scope.Options.StallLimits(backend);
        using var heartbeat = new Heartbeat(firstToken, scope.Options.PingInterval,
            () => sse is { } s ? s.PingAsync() : Task.CompletedTask, backendCancel, scope.ClientClosed, scope.Cancel, generation);
        if (backend.Mode == BackendMode.AnthropicCompatible && request.Stream)
        {
            // A local server can spend minutes on a long prompt (or we wait for a slot): commit the stream now and
            // keep it alive with SSE comments; Claude Code gives up after about 300 s without a byte.
            sse = BeginStream(scope, heartbeat);
        }
        try
        {
            await ForwardAsync(scope, request, backend, body, heartbeat, () => sse ??= BeginStream(scope, heartbeat), backendCancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (heartbeat.Stalled)
        {
            var stalled = BackendErrors.Stalled(backend, heartbeat.StallTimeout);
            if (sse is null || await sse.TryAbandonAsync().ConfigureAwait(false)) throw stalled;
            await WriteErrorEventAsync(scope, sse, stalled).ConfigureAwait(false);
        }
        catch (ApiException e) when (sse is { ClientGone: false })
        {
            // Nothing relayed yet (backend down, or it refused at once): an HTTP error Claude Code acts on.
            if (await sse.TryAbandonAsync().ConfigureAwait(false)) throw;
            await WriteErrorEventAsync(scope, sse, e).ConfigureAwait(false);
        }
        finally
        {
            sse?.Dispose();
        }
        scope.Finish();
    }

    private static SseResponse BeginStream(RequestScope scope, Heartbeat heartbeat)
    {
        var sse = new SseResponse(scope) { Written = heartbeat.ClientWrite };
        sse.BeginOnFirstWrite(captureForTrace: false);
        return sse;
    }

    private async Task ForwardAsync(RequestScope scope, MessagesRequest request, BackendSettings backend, ReadOnlyMemory<byte> body,
        Heartbeat heartbeat, Func<SseResponse> stream, CancellationToken ct)
    {
        using var slot = await services.Limiter.AcquireAsync(backend, ct, scope.Record.Kind == RequestKind.Background).ConfigureAwait(false);
        heartbeat.BackendStarted();
        using var message = CreateRequest(scope, backend, body);
        HttpResponseMessage response;
        try
        {
            response = await services.Http.For(backend).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && BackendErrors.FromSendFailure(backend, e, services.Http.ConnectTimeout) is { } failure)
        {
            throw failure;
        }
        using (response)
        {
            heartbeat.BackendByte();
            var status = (int)response.StatusCode;
            if (status >= 400)
            {
                var error = await BackendBodies.ReadLimitedAsync(response, ct).ConfigureAwait(false);
                throw AsApiError(backend, status, error, request, response);
            }
            if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
                await RelayStreamAsync(scope, response, heartbeat, stream(), ct).ConfigureAwait(false);
            else
                await RelayMessageAsync(scope, backend, response, ct).ConfigureAwait(false);
        }
    }

    private static ReadOnlyMemory<byte> BuildBody(MessagesRequest request, ReadOnlyMemory<byte> clientBody, Route route, out string? model)
    {
        var backend = route.Backend;
        if (backend.Mode == BackendMode.Claude)
        {
            // The user's request goes to Anthropic as sent; only a mode name in "model" must be replaced, and thinking
            // blocks a local model produced (signed by this proxy, not by Anthropic, which would reject the request)
            // are dropped. Claude's own thinking blocks stay byte for byte.
            var localThinking = LocalThinkingFilter.Applies(request);
            if (!route.NamesMode)
            {
                model = request.Model;
                if (!localThinking) return clientBody;
            }
            else
            {
                model = route.Model ?? throw ApiException.InvalidRequest(
                    "Claude mode has no model configured: name one as \"claude/<model>\" or set it with Set-AnyClaudeMode Claude -Model.");
                if (!localThinking) return JsonModelRewriter.Rewrite(request.Root, model);
            }
            var filtered = new ArrayBufferWriter<byte>(clientBody.Length);
            LocalThinkingFilter.Write(request, route.NamesMode ? model : null, filtered);
            return filtered.WrittenMemory;
        }
        model = route.Model ?? (route.NamesMode ? null : request.Model);
        var output = new ArrayBufferWriter<byte>(clientBody.Length + 256);
        AnthropicRequestNormalizer.Write(request, model, output);
        return output.WrittenMemory;
    }

    private static HttpRequestMessage CreateRequest(RequestScope scope, BackendSettings backend, ReadOnlyMemory<byte> body)
    {
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var message = new HttpRequestMessage(HttpMethod.Post, BackendUrls.Messages(backend.BaseUrl)) { Content = content };
        var headers = scope.Request.Headers;
        message.Headers.TryAddWithoutValidation("anthropic-version", headers["anthropic-version"] ?? DefaultVersion);
        if (backend.Mode == BackendMode.Claude)
        {
            // The user's own key; never the proxy token the client authenticated with.
            // Only the key configured with this URL: never this process's ANTHROPIC_API_KEY as a fallback, or a URL
            // changed over the control endpoint would receive it.
            var key = backend.ApiKey;
            if (string.IsNullOrEmpty(key))
                throw ApiException.Permanent(
                    $"Claude mode has no Anthropic API key for {backend.BaseUrl}: set ANTHROPIC_API_KEY (or \"backends.claude.apiKey\" / \"backends.claude.apiKeySecret\" in the AnyClaude config file) " +
                    "in the pwsh that runs Start-AnyClaude, then restart it. A URL changed from another window carries no key unless one is given with it. Claude Code's own login is not involved.");
            message.Headers.TryAddWithoutValidation("x-api-key", key);
            if (headers["anthropic-beta"] is { } beta) message.Headers.TryAddWithoutValidation("anthropic-beta", beta);
        }
        else
        {
            if (!string.IsNullOrEmpty(backend.ApiKey))
            {
                message.Headers.TryAddWithoutValidation("x-api-key", backend.ApiKey);
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", backend.ApiKey);
            }
            foreach (var (name, value) in backend.Headers) message.Headers.TryAddWithoutValidation(name, value);
        }
        return message;
    }

    private static async Task RelayMessageAsync(RequestScope scope, BackendSettings backend, HttpResponseMessage response, CancellationToken ct)
    {
        var all = new MemoryStream();
        await using (var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false))
            await stream.CopyToAsync(all, ct).ConfigureAwait(false);
        var bytes = all.GetBuffer().AsMemory(0, (int)all.Length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span)) throw BackendErrors.InvalidUtf8(backend);
        new AnthropicUsageScanner(scope.Record).ScanMessage(bytes.Span);
        if (scope.TraceBodies) scope.Record.ResponseBody = scope.RedactBody(bytes.Span, null);
        var client = scope.Response;
        client.StatusCode = (int)response.StatusCode;
        client.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        client.ContentLength64 = bytes.Length;
        scope.Record.Status = client.StatusCode;
        scope.Commit();
        await client.OutputStream.WriteAsync(bytes, scope.Token).ConfigureAwait(false);
    }

    /// <summary>Relays the backend's SSE bytes unchanged (through the gate shared with keepalives) and scans them for usage.</summary>
    private static async Task RelayStreamAsync(RequestScope scope, HttpResponseMessage response, Heartbeat heartbeat, SseResponse sse, CancellationToken ct)
    {
        var scanner = new AnthropicUsageScanner(scope.Record);
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var reader = new SseLineReader(stream);
        while (true)
        {
            bool more;
            try
            {
                more = await reader.FillAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
            {
                break;
            }
            catch (BackendStreamException e)
            {
                throw new ApiException(500, "api_error", $"The backend's stream failed: {e.Message}.");
            }
            heartbeat.BackendByte();
            var fresh = reader.LastRead;
            if (!fresh.IsEmpty)
            {
                await sse.EnterAsync().ConfigureAwait(false);
                sse.Buffer.Write(fresh.Span);
                sse.AtFrameBoundary = fresh.Span.EndsWith("\n\n"u8);
                await sse.FlushAndExitAsync().ConfigureAwait(false);
            }
            while (reader.TryReadLine(out var line))
            {
                if (line.StartsWith("event: content_block_delta"u8)) heartbeat.GenerationStarted();
                scanner.ScanLine(line);
            }
            if (!more) break;
        }
        if (scanner.StopReason is null)
            throw new ApiException(500, "api_error", "The backend closed the stream early; the answer is incomplete.");
    }

    private static async Task WriteErrorEventAsync(RequestScope scope, SseResponse sse, ApiException error)
    {
        scope.Record.Error = error.Message;
        try
        {
            await sse.EnterAsync().ConfigureAwait(false);
            // A frame cut in the middle is closed first so the error event parses on its own.
            if (!sse.AtFrameBoundary) sse.Buffer.Write("\n\n"u8);
            sse.Buffer.Write("event: error\ndata: "u8);
            using (var w = new Utf8JsonWriter(sse.Buffer)) HttpResponder.WriteErrorBody(w, error.ErrorType, error.Message);
            sse.Buffer.Write("\n\n"u8);
            await sse.FlushAndExitAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the client is gone too
        }
    }

    /// <summary>Anthropic-shaped error bodies pass through as they are; anything else is mapped.</summary>
    private static ApiException AsApiError(BackendSettings backend, int status, byte[] body, MessagesRequest request, HttpResponseMessage response)
    {
        // 401/403 are about the proxy's credentials for this backend, not Claude Code's login.
        if (status is 401 or 403) return BackendErrors.FromStatus(backend, status, body, 0, request.MaxTokens);
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var t) && t.ValueEquals("error")
                && root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object
                && e.TryGetProperty("type", out var et) && et.GetString() is { } errorType
                && e.TryGetProperty("message", out var em) && em.GetString() is { } errorMessage)
            {
                return new ApiException(status, errorType, errorMessage)
                {
                    ShouldRetry = BackendBodies.ShouldRetry(response),
                    RetryAfter = BackendBodies.RetryAfter(response),
                };
            }
        }
        catch (JsonException)
        {
        }
        return BackendErrors.FromStatus(backend, status, body, 0, request.MaxTokens, request.Model, BackendBodies.RetryAfter(response));
    }
}
