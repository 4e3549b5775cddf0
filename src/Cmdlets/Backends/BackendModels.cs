using System.Net.Http.Headers;
using System.Text.Json;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Backends;

/// <summary>Asks an OpenAI-compatible backend for its models (GET {BaseUrl}/models): for -Model completion
/// and to tell users early that a backend is not running.</summary>
internal static class BackendModels
{
    public static readonly TimeSpan CompletionTimeout = TimeSpan.FromSeconds(1.5);

    /// <summary>The model ids the backend lists. Throws on connection errors, timeouts and non-success statuses.</summary>
    public static async Task<IReadOnlyList<string>> GetAsync(BackendSettings backend, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // Same proxy rule and extra trust as the proxy's own calls: no system proxy for loopback, caCertificate honoured.
        using var http = new HttpClient(Proxy.Backends.BackendHandlers.Create(backend)) { Timeout = timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, ModelsUrl(backend.BaseUrl));
        if (backend.ApiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", backend.ApiKey);
        }

        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var ids = new List<string>();
        if (doc.RootElement.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement model in data.EnumerateArray())
            {
                if (model.TryGetProperty("id", out JsonElement id) && id.GetString() is { } text)
                {
                    ids.Add(text);
                }
            }
        }

        return ids;
    }

    /// <summary>Null when the backend answered; otherwise a short reason.</summary>
    public static string? Probe(BackendSettings backend, TimeSpan timeout)
    {
        try
        {
            Task.Run(() => GetAsync(backend, timeout)).GetAwaiter().GetResult();
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or ArgumentException)
        {
            return e is TaskCanceledException ? $"no answer within {timeout.TotalSeconds:0.#} s" : e.Message;
        }
    }

    private static Uri ModelsUrl(Uri baseUrl) =>
        new(baseUrl.ToString().TrimEnd('/') + "/models");
}
