using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AnyClaude.Proxy.Translation;

/// <summary>Anthropic Messages request → OpenAI Chat Completions request body. Deterministic: the same request
/// and profile always give the same bytes, and a request that extends the previous turn gives a body whose
/// system text, tools and earlier messages are byte-identical to the previous one (prefix-cache stability).</summary>
internal static class ChatRequestTranslator
{
    /// <summary>Shared by the translators: compact, and no \uXXXX escaping of non-ASCII or HTML characters
    /// (the body goes to a JSON parser, never into HTML), which keeps bodies small.</summary>
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    /// <summary>Writes the backend request JSON (always stream: true with include_usage) to output.
    /// maxTokens is already clamped by the host to the context window.</summary>
    public static void Write(MessagesRequest request, BackendProfile profile, int maxTokens, IBufferWriter<byte> output)
    {
        var root = request.Root;
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        if (profile.Model is not null)
            writer.WriteString("model", profile.Model);

        writer.WriteStartArray("messages");
        var system = SystemText(root);
        if (system.Length > 0)
        {
            writer.WriteStartObject();
            writer.WriteString("role", "system");
            writer.WriteString("content", system);
            writer.WriteEndObject();
        }
        foreach (var message in new ChatMessageBuilder(profile).Build(root.GetProperty("messages")))
            message.WriteTo(writer);
        writer.WriteEndArray();

        if (profile.SendTools && WriteTools(writer, root, profile))
            WriteToolChoice(writer, root);

        writer.WriteNumber("max_tokens", maxTokens);
        CopyNumber(writer, root, "temperature", "temperature");
        CopyNumber(writer, root, "top_p", "top_p");
        CopyNumber(writer, root, "top_k", "top_k");
        if (root.TryGetProperty("stop_sequences", out var stops) && stops.ValueKind == JsonValueKind.Array
            && stops.GetArrayLength() > 0)
        {
            writer.WritePropertyName("stop");
            stops.WriteTo(writer);
        }
        writer.WriteBoolean("stream", true);
        writer.WriteStartObject("stream_options");
        writer.WriteBoolean("include_usage", true);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The top-level system prompt as one string: blocks joined with a blank line, the attribution
    /// line removed, cache_control ignored.</summary>
    internal static string SystemText(JsonElement root)
    {
        if (!root.TryGetProperty("system", out var system))
            return "";
        if (system.ValueKind == JsonValueKind.String)
            return AttributionFilter.Strip(system.GetString()!);
        if (system.ValueKind != JsonValueKind.Array)
            return "";
        var parts = new List<string>();
        foreach (var block in system.EnumerateArray())
        {
            var text = AttributionFilter.Strip(ContentText.GetString(block, "text") ?? "");
            if (text.Length > 0)
                parts.Add(text);
        }
        return string.Join("\n\n", parts);
    }

    /// <summary>Writes "tools"; false when there were none to write.</summary>
    private static bool WriteTools(Utf8JsonWriter writer, JsonElement root, BackendProfile profile)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
            return false;
        var written = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            // Anthropic server tools (web_search_…, code_execution_…) run on Anthropic's side; a local backend
            // cannot run them, so they are not offered. Client tools have no type or type "custom".
            var type = ContentText.GetString(tool, "type");
            if (type is not (null or "custom"))
                continue;
            if (written++ == 0)
                writer.WriteStartArray("tools");
            writer.WriteStartObject();
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", ContentText.GetString(tool, "name"));
            if (ContentText.GetString(tool, "description") is { } description)
                writer.WriteString("description", description);
            writer.WritePropertyName("parameters");
            if (tool.TryGetProperty("input_schema", out var schema) && schema.ValueKind == JsonValueKind.Object)
                ToolSchemaWriter.Write(writer, schema, profile.UnsupportedSchemaKeywords);
            else
                writer.WriteRawValue("""{"type":"object","properties":{}}""");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        if (written > 0)
            writer.WriteEndArray();
        return written > 0;
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, JsonElement root)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind != JsonValueKind.Object)
            return;
        switch (ContentText.GetString(choice, "type"))
        {
            case "auto":
                writer.WriteString("tool_choice", "auto");
                break;
            case "any":
                writer.WriteString("tool_choice", "required");
                break;
            case "none":
                writer.WriteString("tool_choice", "none");
                break;
            case "tool":
                writer.WriteStartObject("tool_choice");
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", ContentText.GetString(choice, "name"));
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
        }
        if (choice.TryGetProperty("disable_parallel_tool_use", out var disable) && disable.ValueKind == JsonValueKind.True)
            writer.WriteBoolean("parallel_tool_calls", false);
    }

    private static void CopyNumber(Utf8JsonWriter writer, JsonElement root, string from, string to)
    {
        if (root.TryGetProperty(from, out var value) && value.ValueKind == JsonValueKind.Number)
        {
            writer.WritePropertyName(to);
            value.WriteTo(writer);
        }
    }
}
