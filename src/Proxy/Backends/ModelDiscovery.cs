using System.Text.Json;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Backends;

/// <summary>Asks local OpenAI-style backends which models they serve (GET {BaseUrl}/models), briefly: a backend
/// that is down must not delay the answer. Failures mean "no models listed".</summary>
internal static class ModelDiscovery
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMilliseconds(1500);

    public static async Task<IReadOnlyList<string>> ListAsync(BackendHttp http, BackendSettings backend, CancellationToken ct)
    {
        if (backend.Mode is not (BackendMode.LmStudio or BackendMode.MlxLm or BackendMode.OpenAICompatible)) return [];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(s_timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, BackendUrls.Models(backend.BaseUrl));
            if (!string.IsNullOrEmpty(backend.ApiKey)) request.Headers.Authorization = new("Bearer", backend.ApiKey);
            using var response = await http.For(backend).SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return [];
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: timeout.Token).ConfigureAwait(false);
            if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array) return [];
            var ids = new List<string>();
            foreach (var m in data.EnumerateArray())
                if (m.TryGetProperty("id", out var id) && id.GetString() is { Length: > 0 } s) ids.Add(s);
            return ids;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException)
        {
            ct.ThrowIfCancellationRequested();
            return [];
        }
    }
}
