using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Proxy.Control;

/// <summary>
/// The control endpoint other processes of the same user reach (token from the private state file):
/// GET /anyclaude/status, POST /anyclaude/mode, GET /anyclaude/requests. Same token check as the API.
/// </summary>
internal sealed class ControlEndpoint(ProxyServer server, ModeTable modes, RecordHistory history)
{
    public const string Prefix = "/anyclaude/";

    public async Task<bool> TryHandleAsync(RequestScope scope, string method, string path)
    {
        switch (method, path)
        {
            case ("GET", "/anyclaude/status"):
                await WriteStatusAsync(scope).ConfigureAwait(false);
                return true;
            case ("POST", "/anyclaude/mode"):
                var body = await RequestBodyReader.ReadAsync(scope.Request, 1024 * 1024, scope.Token).ConfigureAwait(false);
                ApplyMode(body);
                await WriteStatusAsync(scope).ConfigureAwait(false);
                return true;
            case ("GET", "/anyclaude/requests"):
                var records = history.Snapshot();
                await HttpResponder.WriteJsonAsync(scope, 200, w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("data");
                    foreach (var r in records) RecordJson.Write(w, r);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }, scope.Token).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    private Task WriteStatusAsync(RequestScope scope)
    {
        var snapshot = modes.Current;
        return HttpResponder.WriteJsonAsync(scope, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("pid", Environment.ProcessId);
            w.WriteNumber("port", server.Port);
            w.WriteString("baseUrl", server.BaseUrl.AbsoluteUri);
            w.WriteString("startedAt", server.StartedAt);
            w.WriteString("mode", snapshot.Active.ToString());
            w.WriteStartArray("backends");
            foreach (var mode in Enum.GetValues<BackendMode>()) SettingsJson.Write(w, snapshot.Get(mode));
            w.WriteEndArray();
            w.WriteEndObject();
        }, scope.Token);
    }

    /// <summary>{mode, baseUrl?, model?, apiKey?, toolCalls?, toolHistory?, contextWindow?, maxConcurrency?}: properties present
    /// replace that mode's settings (null clears model and contextWindow), then the mode becomes active.</summary>
    private void ApplyMode(ReadOnlyMemory<byte> body)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body); }
        catch (JsonException e) { throw ApiException.InvalidRequest($"The mode request is not valid JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("mode", out var modeElement) || modeElement.ValueKind != JsonValueKind.String)
                throw ApiException.InvalidRequest("mode: required (lmstudio, mlx-lm, claude, openai, anthropic-compatible).");
            var modeText = modeElement.GetString();
            if (!ModeNames.TryParse(modeText, out var mode) && !Enum.TryParse(modeText, ignoreCase: true, out mode))
                throw ApiException.InvalidRequest($"mode: unknown mode '{modeText}'. Known: {string.Join(", ", ModeNames.All)}.");
            var settings = modes.Current.Get(mode);
            var changed = false;
            try
            {
                if (root.TryGetProperty("baseUrl", out var url) && url.ValueKind == JsonValueKind.String)
                {
                    settings = settings with { BaseUrl = new Uri(url.GetString()!, UriKind.Absolute) };
                    changed = true;
                }
                if (root.TryGetProperty("model", out var model))
                {
                    settings = settings with { Model = model.ValueKind == JsonValueKind.String ? model.GetString() : null };
                    changed = true;
                }
                if (root.TryGetProperty("apiKey", out var key) && key.ValueKind == JsonValueKind.String)
                {
                    settings = settings with { ApiKey = key.GetString() };
                    changed = true;
                }
                if (root.TryGetProperty("toolCalls", out var tools) && tools.ValueKind == JsonValueKind.String)
                {
                    if (!Enum.TryParse<ToolCallMode>(tools.GetString(), ignoreCase: true, out var toolMode))
                        throw ApiException.InvalidRequest("toolCalls: Native or Off.");
                    settings = settings with { ToolCalls = toolMode };
                    changed = true;
                }
                if (root.TryGetProperty("toolHistory", out var history) && history.ValueKind == JsonValueKind.String)
                {
                    if (!Enum.TryParse<ToolHistoryMode>(history.GetString(), ignoreCase: true, out var historyMode) || !Enum.IsDefined(historyMode))
                        throw ApiException.InvalidRequest("toolHistory: Native or Text.");
                    settings = settings with { ToolHistory = historyMode };
                    changed = true;
                }
                if (root.TryGetProperty("contextWindow", out var window))
                {
                    settings = settings with { ContextWindow = window.ValueKind == JsonValueKind.Number ? window.GetInt32() : null };
                    changed = true;
                }
                if (root.TryGetProperty("maxConcurrency", out var max) && max.ValueKind == JsonValueKind.Number)
                {
                    settings = settings with { MaxConcurrency = max.GetInt32() };
                    changed = true;
                }
                if (changed) server.Configure(settings);
            }
            catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException or InvalidOperationException)
            {
                throw ApiException.InvalidRequest($"Invalid mode settings: {e.Message}");
            }
            server.SetMode(mode);
        }
    }
}
