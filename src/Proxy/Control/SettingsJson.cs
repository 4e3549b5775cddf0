using System.Text.Json;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Control;

/// <summary>The JSON of backend settings on the control endpoint. API keys are never written out: only
/// whether one is set.</summary>
internal static class SettingsJson
{
    public static void Write(Utf8JsonWriter w, BackendSettings s)
    {
        w.WriteStartObject();
        w.WriteString("mode", s.Mode.ToString());
        w.WriteString("baseUrl", s.BaseUrl.AbsoluteUri);
        if (s.Model is not null) w.WriteString("model", s.Model);
        w.WriteString("toolCalls", s.ToolCalls.ToString());
        w.WriteString("toolHistory", s.ToolHistory.ToString());
        if (s.ContextWindow is { } cw) w.WriteNumber("contextWindow", cw);
        w.WriteNumber("maxConcurrency", s.MaxConcurrency);
        w.WriteNumber("effectiveMaxConcurrency", s.EffectiveMaxConcurrency);
        if (s.CaCertificate is not null) w.WriteString("caCertificate", s.CaCertificate);
        if (s.BackgroundRequests is { } background) w.WriteString("backgroundRequests", background.ToString());
        w.WriteBoolean("hasApiKey", !string.IsNullOrEmpty(s.ApiKey));
        w.WriteEndObject();
    }

    public static BackendSettings Read(JsonElement e)
    {
        var mode = Enum.Parse<BackendMode>(e.GetProperty("mode").GetString()!);
        var defaults = BackendSettings.Default(mode);
        return defaults with
        {
            BaseUrl = new Uri(e.GetProperty("baseUrl").GetString()!),
            Model = e.TryGetProperty("model", out var m) ? m.GetString() : null,
            ToolCalls = e.TryGetProperty("toolCalls", out var t) && Enum.TryParse<ToolCallMode>(t.GetString(), out var tc) ? tc : defaults.ToolCalls,
            ToolHistory = e.TryGetProperty("toolHistory", out var th) && Enum.TryParse<ToolHistoryMode>(th.GetString(), out var h) ? h : defaults.ToolHistory,
            ContextWindow = e.TryGetProperty("contextWindow", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null,
            MaxConcurrency = e.TryGetProperty("maxConcurrency", out var mc) && mc.ValueKind == JsonValueKind.Number ? mc.GetInt32() : defaults.MaxConcurrency,
            CaCertificate = e.TryGetProperty("caCertificate", out var ca) && ca.ValueKind == JsonValueKind.String ? ca.GetString() : null,
            BackgroundRequests = e.TryGetProperty("backgroundRequests", out var br) && BackgroundPolicy.TryParse(br.GetString(), out var policy) ? policy : null,
        };
    }
}
