using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Routing;

namespace AnyClaude.Proxy.Hosting;

/// <summary>GET /v1/models in the Anthropic list shape: every mode the proxy can route to ("lmstudio",
/// "mlx-lm", ...) and, as "&lt;mode&gt;/&lt;model&gt;", each configured model and each model the local backends list.</summary>
internal static class ModelsEndpoint
{
    private static readonly BackendMode[] s_listed =
        [BackendMode.LmStudio, BackendMode.MlxLm, BackendMode.Claude, BackendMode.OpenAICompatible, BackendMode.AnthropicCompatible];

    public static async Task<Dictionary<BackendMode, IReadOnlyList<string>>> DiscoverAsync(Backends.BackendHttp http, ModeSnapshot snapshot, CancellationToken ct)
    {
        var tasks = s_listed.ToDictionary(m => m, m => Backends.ModelDiscovery.ListAsync(http, snapshot.Get(m), ct));
        await Task.WhenAll(tasks.Values).ConfigureAwait(false);
        return tasks.ToDictionary(t => t.Key, t => t.Value.Result);
    }

    public static void Write(Utf8JsonWriter w, ModeSnapshot snapshot, DateTimeOffset createdAt,
        IReadOnlyDictionary<BackendMode, IReadOnlyList<string>>? discovered = null)
    {
        w.WriteStartObject();
        w.WriteStartArray("data");
        string? first = null, last = null;
        foreach (var mode in s_listed)
        {
            var name = ModeNames.ToEnvironmentName(mode);
            var backend = snapshot.Get(mode);
            Entry(w, name, $"{Backends.BackendNames.Display(mode)} ({backend.BaseUrl})", createdAt);
            first ??= name;
            last = name;
            var models = new List<string>();
            if (!string.IsNullOrEmpty(backend.Model)) models.Add(backend.Model);
            if (discovered is not null && discovered.TryGetValue(mode, out var found))
                foreach (var id in found) if (!models.Contains(id)) models.Add(id);
            foreach (var model in models)
            {
                last = $"{name}/{model}";
                Entry(w, last, $"{model} via {Backends.BackendNames.Display(mode)}", createdAt);
            }
        }
        w.WriteEndArray();
        w.WriteBoolean("has_more", false);
        w.WriteString("first_id", first);
        w.WriteString("last_id", last);
        w.WriteEndObject();
    }

    private static void Entry(Utf8JsonWriter w, string id, string displayName, DateTimeOffset createdAt)
    {
        w.WriteStartObject();
        w.WriteString("type", "model");
        w.WriteString("id", id);
        w.WriteString("display_name", displayName);
        w.WriteString("created_at", createdAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteEndObject();
    }
}
