using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Routing;

namespace AnyClaude.Proxy.Hosting;

/// <summary>GET /v1/models in the Anthropic list shape: the <see cref="ModelCatalog"/> (every mode the proxy can route to,
/// "lmstudio", "mlx-lm", ..., and as "&lt;mode&gt;/&lt;model&gt;" each configured model and each model the backends list).</summary>
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
        var rows = ModelCatalog.Build(snapshot, discovered);
        w.WriteStartObject();
        w.WriteStartArray("data");
        foreach (var row in rows) Entry(w, row, createdAt);
        w.WriteEndArray();
        w.WriteBoolean("has_more", false);
        w.WriteString("first_id", rows.Count > 0 ? rows[0].Id : null);
        w.WriteString("last_id", rows.Count > 0 ? rows[^1].Id : null);
        w.WriteEndObject();
    }

    private static void Entry(Utf8JsonWriter w, ModelCatalogEntry row, DateTimeOffset createdAt)
    {
        w.WriteStartObject();
        w.WriteString("type", "model");
        w.WriteString("id", row.Id);
        w.WriteString("display_name", row.DisplayName);
        // Claude Code 2.1.332 shows it as the row's subtitle (gateway discovery); Anthropic's own list has no such field.
        w.WriteString("description", row.Description);
        w.WriteString("created_at", createdAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteEndObject();
    }
}
