using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Routing;

/// <summary>Where one request goes: the backend settings (snapshotted at request start) and the model to ask for.</summary>
/// <summary>NamesMode: <see cref="Model"/> replaces the request's model field (it named a mode, or the backend must
/// not see it as is); false only when the request's own model goes to the backend unchanged.</summary>
internal readonly record struct Route(BackendSettings Backend, string? Model, bool NamesMode);

internal static class RouteResolver
{
    /// <summary>
    /// An id that names a mode (<see cref="ModeNames.TryParseModelId"/>: a bare mode name or alias, "&lt;mode&gt;/&lt;model&gt;",
    /// "&lt;mode&gt;/") picks that mode (and model). Any other id, with or without a slash, goes to the active mode: model ids
    /// such as LM Studio's "openai/gpt-oss-20b" or OpenRouter's "anthropic/claude-…" start with a hub namespace that
    /// happens to be a short alias, so only the unmistakable names count as prefixes.
    /// </summary>
    public static Route Resolve(ModeSnapshot snapshot, string? requestedModel)
    {
        if (!string.IsNullOrEmpty(requestedModel))
        {
            if (ModeNames.TryParseModelId(requestedModel, out var named, out var model))
            {
                var s = snapshot.Get(named);
                return new Route(s, model ?? s.Model, true);
            }
        }
        var active = snapshot.Get(snapshot.Active);
        return ForActive(snapshot, active, requestedModel);
    }

    /// <summary>The model an id that names no mode becomes in the active mode.</summary>
    private static Route ForActive(ModeSnapshot snapshot, BackendSettings active, string? requested)
    {
        if (string.IsNullOrEmpty(requested)) return new Route(active, active.Model, true);
        switch (active.Mode)
        {
            case BackendMode.MlxLm:
                // mlx_lm.server loads any other model value from the Hugging Face hub (unloading the running one):
                // only "mlx-lm/<repo>" asks for that on purpose.
                return new Route(active, active.Model, true);
            case BackendMode.Claude:
                // Claude's own names reach Anthropic byte for byte; a local id (exported for a local mode before a
                // switch) becomes the configured Claude model when there is one.
                if (IsClaudeName(requested) || active.Model is null) return new Route(active, requested, false);
                return new Route(active, active.Model, true);
            default:
                // LM Studio, OpenAI- and Anthropic-compatible servers serve the id the user chose (LMSTUDIO_MODEL
                // exported to every role, or /model <id>). Claude names, the launch placeholder and another mode's
                // configured model (still exported after a mode switch) mean "the configured model".
                if (IsClaudeName(requested) || requested == ModeNames.PlaceholderModel || IsOtherModesModel(snapshot, active.Mode, requested))
                    return new Route(active, active.Model, true);
                return new Route(active, requested, true);
        }
    }

    internal static bool IsClaudeName(string model) => model.StartsWith("claude-", StringComparison.OrdinalIgnoreCase);

    private static bool IsOtherModesModel(ModeSnapshot snapshot, BackendMode mode, string model)
    {
        foreach (var (other, settings) in snapshot.Backends)
        {
            if (other != mode && string.Equals(settings.Model, model, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
