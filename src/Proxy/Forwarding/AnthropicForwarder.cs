using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Routing;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Forwarding;

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
        // 1. Context policy (ContextPolicy, the chat path's step 1 too): applies nothing on this path today. A Messages-API
        // backend enforces its own window (its "prompt is too long" passes through, and Claude Code compacts on it), and
        // counting here would walk every body on the pass-through's hot path. A policy that cuts the conversation
        // applies here, to the parsed request, before the body transform.

        // 2. Body transform: as sent to Claude, normalised for Anthropic-compatible servers.
        var body = BuildBody(request, clientBody, route, out var model);
        record.Model = model;
        if (scope.TraceBodies) record.RequestBody = scope.RedactBody(body.Span, backend);

        // 3. Relay: the stream commits only with its first byte. A local server can spend minutes on a long prompt (or
        // we wait for a slot): its stream is kept alive with SSE comments from the start, since Claude Code gives up
        // after about 300 s without a byte. Claude itself answers at once, so its errors stay HTTP statuses.
        using var sse = new SseResponse(scope) { PingsHeld = !(backend.Mode == BackendMode.AnthropicCompatible && request.Stream) };
        sse.BeginOnFirstWrite(captureForTrace: false);
        await services.Call.SendAsync(new Relay(scope, request, backend, body, sse), BackendCallOptions.For(scope, backend), sse, scope.Token).ConfigureAwait(false);
        scope.Finish();
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

    /// <summary>The Messages API's part of a <see cref="BackendCall"/>: the client's headers and the backend's key, error
    /// bodies passed through in their own shape, and the response relayed byte for byte (an event stream through the
    /// client's write gate, shared with keepalives; a whole message at once), its events scanned for the record.</summary>
    private sealed class Relay(RequestScope scope, MessagesRequest request, BackendSettings backend, ReadOnlyMemory<byte> body, SseResponse sse)
        : IBackendExchange
    {
        private readonly AnthropicUsageScanner _scanner = new(scope.Record);

        public HttpRequestMessage CreateRequest()
        {
            var content = new ReadOnlyMemoryContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var message = new HttpRequestMessage(HttpMethod.Post, BackendUrls.Messages(backend.BaseUrl)) { Content = content };
            var headers = scope.RequestHeaders;
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

        public ApiException FromStatus(int status, byte[] errorBody, HttpResponseMessage response) => AsApiError(backend, status, errorBody, request, response);

        public async ValueTask<bool> AcceptAsync(HttpResponseMessage response, CancellationToken ct)
        {
            if (response.Content.Headers.ContentType?.MediaType == "text/event-stream") return true;
            await RelayMessageAsync(scope, backend, response, ct).ConfigureAwait(false);
            return false;
        }

        public bool OnRead(SseLineReader reader, out bool generating)
        {
            generating = false;
            var fresh = reader.LastRead.Span;
            if (!fresh.IsEmpty)
            {
                sse.Buffer.Write(fresh);
                sse.AtFrameBoundary = fresh.EndsWith("\n\n"u8);
            }
            while (reader.TryReadLine(out var line))
            {
                if (line.StartsWith("event: content_block_delta"u8)) generating = true;
                _scanner.ScanLine(line);
            }
            return false; // relayed to its end, as sent
        }

        public void Complete()
        {
            if (_scanner.StopReason is null) throw BackendErrors.ClosedEarly(backend, "stop_reason");
        }
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
        client.ContentLength = bytes.Length;
        scope.Record.Status = client.StatusCode;
        scope.Commit();
        await client.WriteAsync(bytes, scope.Token).ConfigureAwait(false);
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
