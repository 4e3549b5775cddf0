using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AnyClaude.Diagnostics.Http;

/// <summary>Talks to the proxy the way Claude Code does: POST /v1/messages?beta=true, streaming, bearer token.</summary>
internal sealed class AnthropicMessagesClient(Proxy.Backends.BackendHttp http, Uri proxyBaseUrl, string token)
{
    public const string AnthropicVersion = "2023-06-01";

    /// <summary>The response header naming the request (Anthropic's own name; the proxy sends its record's id).</summary>
    public const string RequestIdHeader = "request-id";

    public Uri Url { get; } = new(proxyBaseUrl.GetLeftPart(UriPartial.Authority) + "/v1/messages?beta=true");

    public async Task<StreamMeasurement> StreamAsync(JsonObject body, string sessionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        body["stream"] = true;
        var result = new StreamMeasurement();
        var clock = Stopwatch.StartNew();
        using var deadline = DiagnosticHttp.Deadline(timeout, cancellationToken);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url)
            {
                Content = DiagnosticHttp.Json(body),
            };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            request.Headers.TryAddWithoutValidation("anthropic-version", AnthropicVersion);
            request.Headers.TryAddWithoutValidation("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14");
            request.Headers.TryAddWithoutValidation("X-Claude-Code-Session-Id", sessionId);
            using var response = await http.ForLocalProxy().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
                throw new BackendCallException((int)response.StatusCode, $"the proxy answered {(int)response.StatusCode}: {ErrorMessage(text)}");
            }
            if (response.Headers.TryGetValues(RequestIdHeader, out var ids)) result.RequestId = ids.FirstOrDefault();
            var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            await foreach (var (name, data) in Proxy.Backends.SseLineReader.ReadEventsAsync(stream, deadline.Token).ConfigureAwait(false))
                AnthropicEventReader.Apply(name, data, result, clock.Elapsed);
        }
        catch (Exception ex) when (DiagnosticHttp.IsCallFailure(ex, cancellationToken))
        {
            throw DiagnosticHttp.CallFailure(ex, Url, timeout, cancellationToken);
        }
        result.Duration = clock.Elapsed;
        return result;
    }

    /// <summary>The message of an Anthropic error body, or the body itself.</summary>
    internal static string ErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("error", out var e) && e.TryGetProperty("message", out var m))
                return m.GetString() ?? body;
        }
        catch (JsonException)
        {
        }
        return OpenAiChatClient.Excerpt(body);
    }
}
