using System.Text.Json;
using AnyClaude.Diagnostics.Http;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Checks;

/// <summary>The configured model is listed (and for LM Studio loaded), and its context window holds Claude Code's prompt.</summary>
internal sealed class ModelCheck : IBackendCheck
{
    public string Name => CheckNames.Model;
    public string Description => "Model listed and loaded";

    public async Task<CheckOutcome> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var s = context.Settings;
        var native = s.Mode == BackendMode.LmStudio
            ? await ReadLmStudioModelsAsync(context, cancellationToken).ConfigureAwait(false)
            : null;

        string detail;
        if (s.Model is { Length: > 0 } configured)
        {
            if (!context.ListedModels.Contains(configured, StringComparer.Ordinal))
                return CheckOutcome.Fail($"model '{configured}' is not among the {context.ListedModels.Count} model(s) the server lists ({Sample(context.ListedModels)})",
                    BackendAdvice.LoadModel(s, configured));
            if (native?.FirstOrDefault(m => m.Id == configured) is { } info && !info.Loaded)
                return CheckOutcome.Fail($"model '{configured}' is listed but not loaded (state: {info.State})", BackendAdvice.LoadModel(s, configured));
            context.Model = configured;
            detail = $"'{configured}' is {(native is null ? "listed" : "loaded")}";
        }
        else if (native is not null)
        {
            var loaded = native.FirstOrDefault(m => m.Loaded && m.Type is null or "llm" or "vlm");
            if (loaded is null)
                return CheckOutcome.Fail("no model is loaded and none is configured", BackendAdvice.LoadModel(s, null));
            context.Model = loaded.Id;
            detail = $"no model configured; '{loaded.Id}' is loaded";
        }
        else
        {
            // mlx_lm.server answers with the model it was started with when the request names none.
            detail = context.ListedModels.Count > 0
                ? $"no model configured; the server's default is used ({Sample(context.ListedModels)} listed)"
                : "no model configured; the server's default is used";
        }
        context.ModelUsable = true;

        context.ContextWindow = s.ContextWindow ?? native?.FirstOrDefault(m => m.Id == context.Model)?.ContextLength;
        var required = context.Options.RequiredContextTokens ?? ClaudeCodeFootprint.RequiredContextTokens(context.SendsTools);
        if (context.ContextWindow is not { } window)
            return CheckOutcome.Pass($"{detail}; context window unknown (Claude Code needs about {required} tokens)");
        if (window < required)
            return CheckOutcome.Warn($"{detail}; context window {window} tokens is smaller than the {required} Claude Code needs in this mode",
                BackendAdvice.RaiseContext(s, required));
        return CheckOutcome.Pass($"{detail}; context window {window} tokens (Claude Code needs about {required})");
    }

    private sealed record NativeModel(string Id, string? Type, string? State, int? ContextLength)
    {
        public bool Loaded => string.Equals(State, "loaded", StringComparison.OrdinalIgnoreCase);
    }

    // LM Studio's /api/v0/models tells loaded from downloaded and gives context lengths; older servers lack it.
    private static async Task<IReadOnlyList<NativeModel>?> ReadLmStudioModelsAsync(CheckContext context, CancellationToken cancellationToken)
    {
        try
        {
            using var doc = await context.Backend.GetJsonAsync(BackendUrls.LmStudioModels(context.Settings.BaseUrl),
                context.Options.ProbeTimeout, cancellationToken).ConfigureAwait(false);
            if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                return null;
            return data.EnumerateArray().Select(m => new NativeModel(
                Str(m, "id") ?? "",
                Str(m, "type"),
                Str(m, "state"),
                Int(m, "loaded_context_length") ?? Int(m, "max_context_length"))).ToList();
        }
        catch (BackendCallException)
        {
            return null;
        }
    }

    private static string Sample(IReadOnlyList<string> ids) =>
        ids.Count == 0 ? "none" : string.Join(", ", ids.Take(5)) + (ids.Count > 5 ? ", …" : "");

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : null;
}
