using System.Text.Json;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Stability;

/// <summary>
/// The cache-relevant parts of one backend request body, each as the exact JSON text the translator wrote:
/// the system prompt, the tools array, and each message. A backend's KV prefix cache reuses a turn only when
/// these match the previous turn's byte for byte.
/// </summary>
internal sealed record BackendRequestParts(string? System, string? Tools, IReadOnlyList<string> Messages, string Body)
{
    /// <summary>An OpenAI Chat Completions body: the system prompt is the leading system message.</summary>
    public static BackendRequestParts FromChat(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var messages = root.GetProperty("messages").EnumerateArray().Select(m => m.GetRawText()).ToList();
        var first = root.GetProperty("messages").EnumerateArray().FirstOrDefault();
        var system = first.ValueKind == JsonValueKind.Object && first.GetProperty("role").GetString() == "system"
            ? first.GetProperty("content").GetRawText()
            : null;
        return new BackendRequestParts(system, Raw(root, "tools"), messages, body);
    }

    /// <summary>An Anthropic Messages body (native pass-through): system and tools are top-level fields.</summary>
    public static BackendRequestParts FromAnthropic(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var messages = root.GetProperty("messages").EnumerateArray().Select(m => m.GetRawText()).ToList();
        return new BackendRequestParts(Raw(root, "system"), Raw(root, "tools"), messages, body);
    }

    private static string? Raw(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.GetRawText() : null;
}
