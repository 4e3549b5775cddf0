using System.Globalization;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Routing;

/// <summary>One route the proxy can serve, as Claude Code's /model picker shows it: <see cref="Id"/> is what Claude
/// Code sends as the request's model, and <see cref="RouteResolver"/> reads it back as exactly <see cref="Mode"/> and
/// <see cref="Model"/> (null: the mode's configured model, or the backend's own when none is).</summary>
public sealed record ModelCatalogEntry(string Id, BackendMode Mode, string? Model, string DisplayName, string Description);

/// <summary>Every route the proxy can serve: each mode and, under it, the models its backend serves (the configured
/// model, then what the backend lists: LM Studio's loaded and downloaded models, mlx_lm.server's model, an
/// OpenAI-compatible server's models). The one list behind GET /v1/models and Start-AnyClaude's /model picker.</summary>
internal static class ModelCatalog
{
    private static readonly BackendMode[] s_order =
        [BackendMode.LmStudio, BackendMode.MlxLm, BackendMode.OpenAICompatible, BackendMode.AnthropicCompatible, BackendMode.Claude];

    /// <summary>The rows for a snapshot and what each backend listed (<paramref name="discovered"/>, by mode; missing: none).
    /// LM Studio and mlx_lm.server always appear (local defaults); the OpenAI- and Anthropic-compatible modes once they
    /// have a model (configured or listed); Claude only when the user gave the proxy a key for it.</summary>
    public static IReadOnlyList<ModelCatalogEntry> Build(ModeSnapshot snapshot, IReadOnlyDictionary<BackendMode, IReadOnlyList<string>>? discovered)
    {
        var rows = new List<ModelCatalogEntry>();
        foreach (var mode in s_order)
        {
            var backend = snapshot.Get(mode);
            var models = new List<string>();
            if (!string.IsNullOrEmpty(backend.Model)) models.Add(backend.Model);
            if (discovered is not null && discovered.TryGetValue(mode, out var found))
                foreach (var id in found) if (!models.Contains(id, StringComparer.Ordinal)) models.Add(id);
            if (!Listed(backend, models.Count)) continue;
            var modeId = ModeNames.ToEnvironmentName(mode);
            rows.Add(new ModelCatalogEntry(modeId, mode, null, Name(backend, backend.Model), ModeDescription(backend, mode == snapshot.Active)));
            foreach (var model in models)
                rows.Add(new ModelCatalogEntry(ModelId(mode, model), mode, model, Name(backend, model),
                    $"{model} via {Backends.BackendNames.Display(mode)} ({backend.BaseUrl.GetLeftPart(UriPartial.Authority)})"));
        }
        return rows;
    }

    private static bool Listed(BackendSettings backend, int models) => backend.Mode switch
    {
        BackendMode.LmStudio or BackendMode.MlxLm => true,
        BackendMode.Claude => !string.IsNullOrEmpty(backend.ApiKey),
        _ => models > 0,
    };

    /// <summary>"&lt;mode&gt;/&lt;model&gt;" with the mode's name that always reads as a prefix (the OpenAI-compatible mode's short
    /// "openai" does not: "openai/gpt-oss-20b" is LM Studio's id for gpt-oss).</summary>
    internal static string ModelId(BackendMode mode, string model) => mode switch
    {
        BackendMode.OpenAICompatible => "openai-compatible/" + model,
        _ => ModeNames.ToEnvironmentName(mode) + "/" + model,
    };

    /// <summary>What the picker's row says: "LM Studio · qwen3-coder-30b · tools · 32K" (the model's last path segment,
    /// what the backend does with tools, its context window when known).</summary>
    internal static string Name(BackendSettings backend, string? model)
    {
        var parts = new List<string>(4) { ShortModeName(backend.Mode) };
        // No model configured: the mode sends none the backend must obey, and it answers with the model it has loaded.
        parts.Add(model is null ? "loaded model" : ShortModel(model));
        if (backend.Mode != BackendMode.Claude) parts.Add(backend.ToolCalls == ToolCallMode.Off ? "analysis" : "tools");
        if (backend.ContextWindow is { } window) parts.Add(Tokens(window));
        return string.Join(" · ", parts);
    }

    public static string ShortModeName(BackendMode mode) => mode switch
    {
        BackendMode.LmStudio => "LM Studio",
        BackendMode.MlxLm => "MLX-LM",
        BackendMode.Claude => "Claude",
        BackendMode.OpenAICompatible => "OpenAI-compatible",
        BackendMode.AnthropicCompatible => "Anthropic-compatible",
        _ => mode.ToString(),
    };

    private static string ModeDescription(BackendSettings backend, bool active) =>
        $"{ShortModeName(backend.Mode)} mode at {backend.BaseUrl.GetLeftPart(UriPartial.Authority)}" +
        (backend.Model is null ? ", whichever model it has loaded" : ", its configured model") + (active ? " (active)" : "");

    private static string ShortModel(string model)
    {
        var slash = model.LastIndexOf('/');
        return slash >= 0 && slash < model.Length - 1 ? model[(slash + 1)..] : model;
    }

    internal static string Tokens(int tokens) =>
        tokens >= 1024 && tokens % 1024 == 0 ? string.Create(CultureInfo.InvariantCulture, $"{tokens / 1024}K")
        : tokens >= 1000 ? string.Create(CultureInfo.InvariantCulture, $"{tokens / 1000.0:0.#}K")
        : tokens.ToString(CultureInfo.InvariantCulture);
}
