using System.Buffers;
using System.Text.Json;

namespace AnyClaude.Proxy.Translation;

/// <summary>Anthropic request → Anthropic request for a native backend, normalised so that each turn's
/// request is a byte prefix-extension of the previous one (attribution line removed, string/single-text-block
/// content rendered alike, cache_control removed, model rewritten). Everything else is copied verbatim.</summary>
internal static class AnthropicRequestNormalizer
{
    public static void Write(MessagesRequest request, string? model, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, ChatRequestTranslator.WriterOptions);
        writer.WriteStartObject();
        foreach (var member in request.Root.EnumerateObject())
        {
            switch (member.Name)
            {
                case "model" when model is not null:
                    writer.WriteString("model", model);
                    break;
                case "system":
                    writer.WritePropertyName("system");
                    WriteSystem(writer, member.Value);
                    break;
                case "messages":
                    writer.WritePropertyName("messages");
                    WriteMessages(writer, member.Value);
                    break;
                case "tools" when member.Value.ValueKind == JsonValueKind.Array:
                    writer.WritePropertyName("tools");
                    writer.WriteStartArray();
                    foreach (var tool in member.Value.EnumerateArray())
                        WriteWithoutCacheControl(writer, tool);
                    writer.WriteEndArray();
                    break;
                default:
                    member.WriteTo(writer);
                    break;
            }
        }
        writer.WriteEndObject();
    }

    private static void WriteSystem(Utf8JsonWriter writer, JsonElement system)
    {
        if (system.ValueKind == JsonValueKind.String)
        {
            writer.WriteStringValue(AttributionFilter.Strip(system.GetString()!));
            return;
        }
        if (system.ValueKind != JsonValueKind.Array)
        {
            system.WriteTo(writer);
            return;
        }
        writer.WriteStartArray();
        foreach (var block in system.EnumerateArray())
        {
            var text = ContentText.GetString(block, "text");
            if (text is null || !AttributionFilter.Contains(text))
            {
                WriteWithoutCacheControl(writer, block);
                continue;
            }
            var stripped = AttributionFilter.Strip(text);
            if (stripped.Length == 0)
                continue; // the attribution block itself
            writer.WriteStartObject();
            foreach (var member in block.EnumerateObject())
            {
                if (member.NameEquals("cache_control"))
                    continue;
                if (member.NameEquals("text"))
                    writer.WriteString("text", stripped);
                else
                    member.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static void WriteMessages(Utf8JsonWriter writer, JsonElement messages)
    {
        writer.WriteStartArray();
        foreach (var message in messages.EnumerateArray())
        {
            writer.WriteStartObject();
            foreach (var member in message.EnumerateObject())
            {
                if (!member.NameEquals("content"))
                {
                    member.WriteTo(writer);
                    continue;
                }
                writer.WritePropertyName("content");
                WriteContent(writer, member.Value);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>Content as a plain string when it is a single text block (the client switches an earlier
    /// message between the two forms from one turn to the next); otherwise blocks without cache_control.</summary>
    private static void WriteContent(Utf8JsonWriter writer, JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Array)
        {
            content.WriteTo(writer);
            return;
        }
        if (content.GetArrayLength() == 1 && IsPlainTextBlock(content[0], out var text))
        {
            writer.WriteStringValue(text);
            return;
        }
        writer.WriteStartArray();
        foreach (var block in content.EnumerateArray())
            WriteWithoutCacheControl(writer, block);
        writer.WriteEndArray();
    }

    /// <summary>A text block with nothing else that matters (no citations): only type, text, cache_control.</summary>
    private static bool IsPlainTextBlock(JsonElement block, out string text)
    {
        text = "";
        if (!ContentText.IsType(block, "text"))
            return false;
        foreach (var member in block.EnumerateObject())
        {
            if (member.NameEquals("text") && member.Value.ValueKind == JsonValueKind.String)
                text = member.Value.GetString()!;
            else if (!member.NameEquals("type") && !member.NameEquals("cache_control"))
                return false;
        }
        return true;
    }

    /// <summary>Copies a block, dropping its cache_control and that of nested tool_result content blocks.</summary>
    private static void WriteWithoutCacheControl(Utf8JsonWriter writer, JsonElement block)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            block.WriteTo(writer);
            return;
        }
        writer.WriteStartObject();
        foreach (var member in block.EnumerateObject())
        {
            if (member.NameEquals("cache_control"))
                continue;
            if (member.NameEquals("content") && member.Value.ValueKind == JsonValueKind.Array && ContentText.IsType(block, "tool_result"))
            {
                writer.WritePropertyName("content");
                writer.WriteStartArray();
                foreach (var inner in member.Value.EnumerateArray())
                    WriteWithoutCacheControl(writer, inner);
                writer.WriteEndArray();
                continue;
            }
            member.WriteTo(writer);
        }
        writer.WriteEndObject();
    }
}
