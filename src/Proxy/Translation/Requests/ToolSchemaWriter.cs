using System.Text.Json;

namespace AnyClaude.Proxy.Translation;

/// <summary>
/// Copies a JSON schema, leaving out keywords a backend rejects. Only keywords are removed: the walker knows
/// which members hold sub-schemas and which hold maps of names to schemas, so a property literally named
/// "format" inside "properties" is kept while the keyword "format" is dropped.
/// A property schema without "type" gets the type its anyOf/oneOf variants, enum or const values allow (or
/// every JSON type when it allows anything): the same constraint, spelled out, because chat templates read
/// each parameter's "type" (Gemma 4's raises "'dict object' has no attribute 'type'" on Claude Code 2.1's
/// TaskUpdate.status and Workflow.args), and an object parameter without "properties" gets an empty one.
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

    private static void WriteSchema(Utf8JsonWriter writer, JsonElement schema, IReadOnlySet<string> unsupported, bool isProperty = false)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                if (isProperty && ImpliedTypes(schema) is { } types)
                {
                    writer.WritePropertyName("type");
                    if (types.Count == 1)
                        writer.WriteStringValue(types[0]);
                    else
                    {
                        writer.WriteStartArray();
                        foreach (var type in types)
                            writer.WriteStringValue(type);
                        writer.WriteEndArray();
                    }
                }
                foreach (var member in schema.EnumerateObject())
                {
                    if (unsupported.Contains(member.Name))
                        continue;
                    writer.WritePropertyName(member.Name);
                    WriteKeywordValue(writer, member.Name, member.Value, unsupported);
                }
                // An object parameter without "properties" (a free-form map): Gemma 4's template then walks the
                // schema's own keywords as if they were properties and fails on "additionalProperties": {}.
                if (isProperty && IsObjectWithoutProperties(schema))
                {
                    writer.WriteStartObject("properties");
                    writer.WriteEndObject();
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
                    WriteSchema(writer, entry.Value, unsupported, isProperty: keyword == "properties");
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

    private static bool IsObjectWithoutProperties(JsonElement schema) =>
        schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "object"
        && !schema.TryGetProperty("properties", out _);

    private static readonly string[] s_allTypes = ["string", "number", "integer", "boolean", "object", "array", "null"];

    /// <summary>The types a property schema without "type" allows, when that can be read off it; null when it has
    /// a type already, or a $ref/allOf/not whose meaning this does not follow.</summary>
    internal static IReadOnlyList<string>? ImpliedTypes(JsonElement schema)
    {
        if (schema.TryGetProperty("type", out _) || schema.TryGetProperty("$ref", out _)
            || schema.TryGetProperty("allOf", out _) || schema.TryGetProperty("not", out _))
            return null;
        var types = new List<string>();
        foreach (var keyword in new[] { "anyOf", "oneOf" })
        {
            if (!schema.TryGetProperty(keyword, out var variants))
                continue;
            if (variants.ValueKind != JsonValueKind.Array)
                return null;
            foreach (var variant in variants.EnumerateArray())
            {
                if (variant.ValueKind != JsonValueKind.Object)
                    return null;
                if (TypesOf(variant, types))
                    continue;
                if (ImpliedTypes(variant) is not { } implied)
                    return null;
                Add(types, implied);
            }
        }
        if (types.Count > 0)
            return types;
        if (schema.TryGetProperty("const", out var constant))
            return [TypeOf(constant)];
        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            foreach (var value in values.EnumerateArray())
                Add(types, [TypeOf(value)]);
            return types.Count > 0 ? types : null;
        }
        return s_allTypes;
    }

    // Adds the variant's declared type(s); false when it declares none.
    private static bool TypesOf(JsonElement variant, List<string> types)
    {
        if (!variant.TryGetProperty("type", out var type))
            return false;
        if (type.ValueKind == JsonValueKind.String)
            Add(types, [type.GetString()!]);
        else if (type.ValueKind == JsonValueKind.Array)
            Add(types, type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToList());
        else
            return false;
        return true;
    }

    private static void Add(List<string> types, IReadOnlyList<string> more)
    {
        foreach (var type in more)
            if (!types.Contains(type))
                types.Add(type);
    }

    private static string TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        _ => "null",
    };
}
