using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Http;

/// <summary>Calls a backend's OpenAI-compatible endpoints directly (no proxy in between).</summary>
internal sealed class OpenAiChatClient(BackendHttp http, BackendSettings settings)
{
    public BackendSettings Settings { get; } = settings;

    /// <summary>GET a JSON document; throws <see cref="BackendCallException"/> on any failure.</summary>
    public Task<JsonDocument> GetJsonAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendForJsonAsync(url, () => DiagnosticHttp.ForBackend(Settings, HttpMethod.Get, url), timeout, cancellationToken);

    /// <summary>A non-streaming chat completion.</summary>
    public Task<JsonDocument> CompleteAsync(JsonObject body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        body["stream"] = false;
        var url = BackendUrls.ChatCompletions(Settings.BaseUrl);
        return SendForJsonAsync(url, () => DiagnosticHttp.ForBackend(Settings, HttpMethod.Post, url, Json(body)), timeout, cancellationToken);
    }

    private async Task<JsonDocument> SendForJsonAsync(Uri url, Func<HttpRequestMessage> create, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = DiagnosticHttp.Deadline(timeout, cancellationToken);
        try
        {
            using var response = await SendAsync(create, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new BackendCallException((int)response.StatusCode, $"{url} answered {(int)response.StatusCode}: {Excerpt(text)}");
            return JsonDocument.Parse(text);
        }
        catch (Exception ex) when (DiagnosticHttp.IsCallFailure(ex, cancellationToken))
        {
            throw DiagnosticHttp.CallFailure(ex, url, timeout, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new BackendCallException(200, $"{url} did not answer JSON: {ex.Message}");
        }
    }

    /// <summary>A streaming chat completion with usage requested, measured from send to [DONE].</summary>
    public async Task<StreamMeasurement> StreamAsync(JsonObject body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        var url = BackendUrls.ChatCompletions(Settings.BaseUrl);
        var result = new StreamMeasurement();
        var clock = Stopwatch.StartNew();
        using var deadline = DiagnosticHttp.Deadline(timeout, cancellationToken);
        try
        {
            using var response = await SendAsync(() => DiagnosticHttp.ForBackend(Settings, HttpMethod.Post, url, Json(body)),
                HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
                throw new BackendCallException((int)response.StatusCode, $"{url} answered {(int)response.StatusCode}: {Excerpt(text)}");
            }
            var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            await foreach (var (_, data) in SseLineReader.ReadEventsAsync(stream, deadline.Token).ConfigureAwait(false))
            {
                if (data == "[DONE]")
                {
                    result.Completed = result.FinishReason is not null;
                    break;
                }
                OpenAiChunkReader.Apply(data, result, clock.Elapsed);
            }
        }
        catch (Exception ex) when (DiagnosticHttp.IsCallFailure(ex, cancellationToken))
        {
            throw DiagnosticHttp.CallFailure(ex, url, timeout, cancellationToken);
        }
        result.Duration = clock.Elapsed;
        return result;
    }

    // A request that could not even be sent (broken pipe or reset while writing it: a connection the server was
    // closing) is sent once more on a fresh connection. Refused connections are not retried: the server is down.
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        HttpClient client;
        try
        {
            client = http.For(Settings);
        }
        catch (Proxy.Errors.ApiException e)
        {
            throw new BackendCallException(0, e.InnerException?.Message ?? e.Message);
        }
        using (var first = create())
        {
            try
            {
                return await client.SendAsync(first, completion, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (ex.InnerException is IOException && ex.HttpRequestError != HttpRequestError.ConnectionError)
            {
            }
        }
        using var second = create();
        return await client.SendAsync(second, completion, cancellationToken).ConfigureAwait(false);
    }

    private static StringContent Json(JsonObject body) => DiagnosticHttp.Json(body);

    internal static string Excerpt(string body) =>
        body.Length <= 300 ? body.Trim() : body[..300].Trim() + "…";
}
