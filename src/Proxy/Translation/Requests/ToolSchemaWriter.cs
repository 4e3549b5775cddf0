using System.Text.Json;

namespace AnyClaude.Proxy.Translation;

/// <summary>
/// Copies a JSON schema, leaving out keywords a backend rejects. Only keywords are removed: the walker knows
/// which members hold sub-schemas and which hold maps of names to schemas, so a property literally named
/// "format" inside "properties" is kept while the keyword "format" is dropped.
/// </summary>
internal static class ToolSchemaWriter
{
    public static void Write(Utf8JsonWriter writer, JsonElement schema, IReadOnlySet<string> unsupported)
    {
        if (unsupported.Count == 0)
        {
            schema.WriteTo(writer);
            return;
        }
        WriteSchema(writer, schema, unsupported);
    }

    private static void WriteSchema(Utf8JsonWriter writer, JsonElement schema, IReadOnlySet<string> unsupported)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var member in schema.EnumerateObject())
                {
                    if (unsupported.Contains(member.Name))
                        continue;
                    writer.WritePropertyName(member.Name);
                    WriteKeywordValue(writer, member.Name, member.Value, unsupported);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                // items in tuple form, or a list of sub-schemas (anyOf, ...).
                writer.WriteStartArray();
                foreach (var item in schema.EnumerateArray())
                    WriteSchema(writer, item, unsupported);
                writer.WriteEndArray();
                break;
            default:
                schema.WriteTo(writer);
                break;
        }
    }

    private static void WriteKeywordValue(Utf8JsonWriter writer, string keyword, JsonElement value, IReadOnlySet<string> unsupported)
    {
        switch (keyword)
        {
            // Maps of names to schemas: names are data, values are schemas.
            case "properties" or "patternProperties" or "$defs" or "definitions" or "dependentSchemas" or "dependencies"
                when value.ValueKind == JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var entry in value.EnumerateObject())
                {
                    writer.WritePropertyName(entry.Name);
                    WriteSchema(writer, entry.Value, unsupported);
                }
                writer.WriteEndObject();
                break;
            // Sub-schemas, or arrays of them.
            case "items" or "additionalItems" or "prefixItems" or "additionalProperties" or "unevaluatedProperties"
                or "unevaluatedItems" or "propertyNames" or "contains" or "not" or "if" or "then" or "else"
                or "anyOf" or "allOf" or "oneOf":
                WriteSchema(writer, value, unsupported);
                break;
            // Everything else (enum, const, default, examples, required, description, ...) is data: verbatim.
            default:
                value.WriteTo(writer);
                break;
        }
    }
}
