using System.Collections.Concurrent;
using System.Text.Json;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Forwarding;

/// <summary>
/// Learns a model's context window from LM Studio's native GET /api/v0/models (loaded_context_length, else
/// max_context_length), cached briefly per URL and model. Best effort: any failure means "unknown".
/// </summary>
internal sealed class ContextWindowCache(BackendHttp http)
{
    private static readonly TimeSpan s_lifetime = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<(string, string?), (DateTimeOffset Expires, int? Window)> _cache = new();

    public async ValueTask<int?> GetAsync(BackendSettings backend, string? model, CancellationToken ct)
    {
        if (backend.ContextWindow is { } configured) return configured;
        if (backend.Mode != BackendMode.LmStudio) return null;
        var key = (backend.BaseUrl.AbsoluteUri, model);
        if (_cache.TryGetValue(key, out var hit) && hit.Expires > DateTimeOffset.UtcNow) return hit.Window;
        var window = await FetchAsync(backend, model, ct).ConfigureAwait(false);
        _cache[key] = (DateTimeOffset.UtcNow + s_lifetime, window);
        return window;
    }

    private async Task<int?> FetchAsync(BackendSettings backend, string? model, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(s_timeout);
        try
        {
            using var response = await http.For(backend).GetAsync(BackendUrls.LmStudioModels(backend.BaseUrl), timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return null;
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            using var doc = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token).ConfigureAwait(false);
            return Pick(doc.RootElement, model);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException)
        {
            ct.ThrowIfCancellationRequested();
            return null;
        }
    }

    /// <summary>The named model, or (no model configured) the first loaded LLM.</summary>
    internal static int? Pick(JsonElement root, string? model)
    {
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array) return null;
        foreach (var entry in data.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object) continue;
            var matches = model is not null
                ? entry.TryGetProperty("id", out var id) && id.ValueEquals(model)
                : entry.TryGetProperty("state", out var state) && state.ValueEquals("loaded")
                  && !(entry.TryGetProperty("type", out var type) && type.ValueEquals("embeddings"));
            if (!matches) continue;
            if (TryInt(entry, "loaded_context_length", out var loaded)) return loaded;
            if (TryInt(entry, "max_context_length", out var max)) return max;
            return null;
        }
        return null;
    }

    private static bool TryInt(JsonElement e, string name, out int value)
    {
        value = 0;
        return e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out value) && value > 0;
    }
}
