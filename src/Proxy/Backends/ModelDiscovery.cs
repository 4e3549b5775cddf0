using System.Text.Json;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Backends;

/// <summary>Asks OpenAI-style backends which models they serve (GET {BaseUrl}/models), briefly: a backend that is
/// down must not delay the answer. Public for the cmdlets (-Model completion, Start-AnyClaude's backend check),
/// which list models exactly as the proxy's /v1/models does.</summary>
public static class ModelDiscovery
{
    /// <summary>How long the proxy's /v1/models waits for each backend.</summary>
    public static readonly TimeSpan ListTimeout = TimeSpan.FromMilliseconds(1500);

    /// <summary>The proxy's listing: the model ids of a local OpenAI-style backend; failures mean "no models listed".</summary>
    internal static async Task<IReadOnlyList<string>> ListAsync(BackendHttp http, BackendSettings backend, CancellationToken ct)
    {
        if (backend.Mode is not (BackendMode.LmStudio or BackendMode.MlxLm or BackendMode.OpenAICompatible)) return [];
        try
        {
            return await GetAsync(http, backend, ListTimeout, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException)
        {
            ct.ThrowIfCancellationRequested();
            return [];
        }
    }

    /// <summary>The model ids the backend lists within <paramref name="timeout"/>, with the backend's key and
    /// trust (<see cref="BackendHttp.For"/>). Throws HttpRequestException on connection errors and non-success
    /// statuses, OperationCanceledException on the timeout or the caller's cancellation, JsonException on a body
    /// that is not JSON, and ApiException when the backend's CaCertificate file cannot be read.</summary>
    public static async Task<IReadOnlyList<string>> GetAsync(BackendHttp http, BackendSettings backend, TimeSpan timeout, CancellationToken ct = default)
    {
        var client = http.For(backend);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, BackendUrls.Models(backend.BaseUrl));
        if (!string.IsNullOrEmpty(backend.ApiKey)) request.Headers.Authorization = new("Bearer", backend.ApiKey);
        using var response = await client.SendAsync(request, deadline.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: deadline.Token).ConfigureAwait(false);
        var ids = new List<string>();
        if (doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
            foreach (var m in data.EnumerateArray())
                if (m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } s) ids.Add(s);
        return ids;
    }
}
