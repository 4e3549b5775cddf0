using System.Text.Json;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Capture;

/// <summary>One HTTP request Claude Code sent, exactly as received.</summary>
internal sealed record CapturedRequest(
    int Sequence,
    string Method,
    string Target, // path and query, e.g. /v1/messages?beta=true
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body)
{
    public string Path => Target.Split('?')[0];

    public bool IsMessages => Method == "POST" && Path == "/v1/messages";

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public JsonDocument Json() => JsonDocument.Parse(Body);

    /// <summary>Number of tool definitions (0 when the body has none or is not a messages request).</summary>
    public int ToolCount
    {
        get
        {
            if (!IsMessages) return 0;
            using var doc = Json();
            return doc.RootElement.TryGetProperty("tools", out var t) && t.ValueKind == JsonValueKind.Array ? t.GetArrayLength() : 0;
        }
    }

    public string? Model
    {
        get
        {
            if (!IsMessages) return null;
            using var doc = Json();
            return doc.RootElement.TryGetProperty("model", out var m) ? m.GetString() : null;
        }
    }
}
