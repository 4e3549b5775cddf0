using System.Text;
using System.Text.Json;

namespace AnyClaude.Proxy.Security;

/// <summary>Removes secrets from bodies before they are traced: known secret-bearing JSON properties and
/// any literal occurrence of the proxy token or a backend API key.</summary>
internal static class SecretRedactor
{
    public const string Mask = "[REDACTED]";

    private static readonly HashSet<string> s_secretNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "apiKey", "api_key", "x-api-key", "authorization", "token", "access_token", "password", "secret",
    };

    public static bool IsSecretName(string name) => s_secretNames.Contains(name);

    /// <summary>UTF-8 body → redacted text. JSON is rewritten with secret properties masked; anything else is
    /// kept as text. Literal secrets are masked in both cases.</summary>
    public static string Redact(ReadOnlySpan<byte> body, IEnumerable<string?> secrets)
    {
        string text;
        try
        {
            using var doc = JsonDocument.Parse(body.ToArray());
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
                WriteRedacted(doc.RootElement, w);
            text = Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
        }
        catch (JsonException)
        {
            text = Encoding.UTF8.GetString(body);
        }
        return RedactLiterals(text, secrets);
    }

    public static string RedactLiterals(string text, IEnumerable<string?> secrets)
    {
        foreach (var s in secrets)
        {
            if (string.IsNullOrEmpty(s) || s.Length < 4) continue;
            text = text.Replace(s, Mask, StringComparison.Ordinal);
            // The JSON rewrite escapes characters such as + < > & ' as \u002B…: mask that spelling too.
            var escaped = JsonEncodedText.Encode(s).ToString();
            if (!string.Equals(escaped, s, StringComparison.Ordinal)) text = text.Replace(escaped, Mask, StringComparison.Ordinal);
        }
        return text;
    }

    private static void WriteRedacted(JsonElement e, Utf8JsonWriter w)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in e.EnumerateObject())
                {
                    w.WritePropertyName(p.Name);
                    if (IsSecretName(p.Name) && p.Value.ValueKind == JsonValueKind.String) w.WriteStringValue(Mask);
                    else WriteRedacted(p.Value, w);
                }
                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in e.EnumerateArray()) WriteRedacted(item, w);
                w.WriteEndArray();
                break;
            default:
                e.WriteTo(w);
                break;
        }
    }
}
