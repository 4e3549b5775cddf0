using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Translation;

/// <summary>Plain-text views of Anthropic content, and the short notes that stand in for what a backend cannot take.</summary>
internal static class ContentText
{
    /// <summary>The text of a string or of the text blocks of an array, joined with a blank line.</summary>
    public static string Join(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
            return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array)
            return "";
        string? single = null;
        StringBuilder? many = null;
        foreach (var block in content.EnumerateArray())
        {
            if (!IsType(block, "text") || !block.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                continue;
            var text = t.GetString()!;
            if (text.Length == 0)
                continue;
            if (single is null)
            {
                single = text;
                continue;
            }
            many ??= new StringBuilder(single);
            many.Append("\n\n").Append(text);
        }
        return many?.ToString() ?? single ?? "";
    }

    public static bool IsType(JsonElement block, string type) =>
        block.ValueKind == JsonValueKind.Object
        && block.TryGetProperty("type", out var t)
        && t.ValueKind == JsonValueKind.String
        && t.ValueEquals(type);

    public static string? GetString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>An image block's URL: a data: URI for base64 sources, the URL itself for url sources.</summary>
    public static string? ImageUrl(JsonElement imageBlock)
    {
        if (!imageBlock.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object)
            return null;
        return GetString(source, "type") switch
        {
            "base64" => $"data:{GetString(source, "media_type")};base64,{GetString(source, "data")}",
            "url" => GetString(source, "url"),
            _ => null,
        };
    }

    /// <summary>A document block as text: its text source, else a short note saying it was left out.</summary>
    public static string Document(JsonElement documentBlock, BackendMode mode)
    {
        var title = GetString(documentBlock, "title");
        if (documentBlock.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.Object)
        {
            var type = GetString(source, "type");
            var body = type switch
            {
                "text" => GetString(source, "data"),
                "content" when source.TryGetProperty("content", out var inner) => Join(inner),
                _ => null,
            };
            if (body is not null)
                return title is null ? body : $"{title}\n\n{body}";
            var kind = GetString(source, "media_type") ?? type ?? "unknown";
            return $"[document omitted{(title is null ? "" : $" ({title})")}: {kind} documents cannot be sent to {BackendName(mode)}]";
        }
        return "[document omitted: it has no readable source]";
    }

    public static string ImageOmitted(BackendMode mode) => $"[image omitted: {BackendName(mode)} accepts text only]";

    private static string BackendName(BackendMode mode) => mode switch
    {
        BackendMode.MlxLm => "the MLX-LM backend",
        BackendMode.LmStudio => "the LM Studio backend",
        _ => "this backend",
    };
}
