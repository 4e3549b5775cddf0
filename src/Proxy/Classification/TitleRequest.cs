using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Classification;

/// <summary>
/// Claude Code's session-title request and the answer the proxy can give it without a backend. Claude Code
/// (2.1.197, generateSessionTitle in its bundled code) sends no tools, a structured-output schema
/// <c>{"type":"object","properties":{"title":{"type":"string"}},"required":["title"]}</c>, and the user's text inside
/// <c>&lt;session&gt;…&lt;/session&gt;</c>; it parses the reply's text as JSON and reads its "title" field.
/// A title decides nothing: it is the only background request the proxy answers itself.
/// </summary>
internal static partial class TitleRequest
{
    private const string FallbackTitle = "Coding session";

    /// <summary>True for a title request: no tools and an output schema whose only property is "title"
    /// (output_config.format or the older output_format), or, for builds that send no schema, 2.1.x's title system prompt.</summary>
    public static bool Is(MessagesRequest request)
    {
        if (request.HasTools) return false;
        var root = request.Root;
        if (root.TryGetProperty("output_config", out var config) && config.ValueKind == JsonValueKind.Object
            && config.TryGetProperty("format", out var format) && IsTitleSchema(format)) return true;
        if (root.TryGetProperty("output_format", out var legacy) && IsTitleSchema(legacy)) return true;
        return root.TryGetProperty("system", out var system)
            && ContentText.Join(system).TrimStart().StartsWith("Generate a concise, sentence-case title", StringComparison.Ordinal);
    }

    private static bool IsTitleSchema(JsonElement format)
    {
        if (format.ValueKind != JsonValueKind.Object || !format.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object
            || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object) return false;
        var names = properties.EnumerateObject().Select(p => p.Name).ToArray();
        return names is ["title"];
    }

    /// <summary>The reply text Claude Code parses: {"title":"…"}.</summary>
    public static string Answer(MessagesRequest request)
    {
        var title = Derive(LastUserText(request.Root));
        return JsonSerializer.Serialize(new Dictionary<string, string> { ["title"] = title });
    }

    /// <summary>A sentence-case title of at most six words from the first line the user wrote.</summary>
    internal static string Derive(string text)
    {
        var session = SessionTag().Match(text);
        if (session.Success) text = session.Groups[1].Value;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = Markup().Replace(rawLine, " ");
            var words = Word().Matches(line).Select(m => m.Value).Take(6).ToArray();
            if (words.Length == 0) continue;
            var title = string.Join(' ', words).TrimEnd('.', ',', ';', ':', '-', '!', '?');
            if (title.Length > 60) title = title[..60].TrimEnd();
            if (title.Length == 0) continue;
            return char.ToUpperInvariant(title[0]) + title[1..];
        }
        return FallbackTitle;
    }

    private static string LastUserText(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array) return "";
        var text = new StringBuilder();
        foreach (var message in messages.EnumerateArray())
        {
            if (ContentText.GetString(message, "role") != "user" || !message.TryGetProperty("content", out var content)) continue;
            text.Clear().Append(ContentText.Join(content));
        }
        return text.ToString();
    }

    [GeneratedRegex(@"<session>\s*(.*?)\s*</session>", RegexOptions.Singleline)]
    private static partial Regex SessionTag();

    [GeneratedRegex(@"<[^>]{1,80}>|`+|\*+|#+")]
    private static partial Regex Markup();

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}'._/-]*")]
    private static partial Regex Word();
}
