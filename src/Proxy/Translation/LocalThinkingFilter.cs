using System.Buffers;
using System.Text.Json;

namespace AnyClaude.Proxy.Translation;

/// <summary>
/// Thinking blocks produced by a local model carry <see cref="ChatStreamTranslator.LocalThinkingSignature"/>, not a
/// signature Anthropic issued. When a conversation that ran on a local backend moves to Claude mode (e.g.
/// "/model claude" in Claude Code), Anthropic rejects those blocks; this removes them and leaves everything else
/// as sent. Use <see cref="Applies"/> first so unaffected requests keep their original bytes.
/// </summary>
internal static class LocalThinkingFilter
{
    /// <summary>Stands in for an assistant turn that had nothing but local thinking (content must not be empty).</summary>
    internal const string EmptyTurnText = "[reasoning from a local model omitted]";

    /// <summary>True when some assistant message holds a thinking block signed by this proxy.</summary>
    public static bool Applies(MessagesRequest request)
    {
        foreach (var message in request.Root.GetProperty("messages").EnumerateArray())
        {
            if (!IsAssistantWithBlocks(message, out var content))
                continue;
            foreach (var block in content.EnumerateArray())
            {
                if (IsLocalThinking(block))
                    return true;
            }
        }
        return false;
    }

    /// <summary>Writes the request without local thinking blocks; model rewritten when non-null.</summary>
    public static void Write(MessagesRequest request, string? model, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, ChatRequestTranslator.WriterOptions);
        writer.WriteStartObject();
        foreach (var member in request.Root.EnumerateObject())
        {
            if (member.NameEquals("model") && model is not null)
            {
                writer.WriteString("model", model);
            }
            else if (member.NameEquals("messages"))
            {
                writer.WritePropertyName("messages");
                writer.WriteStartArray();
                foreach (var message in member.Value.EnumerateArray())
                    WriteMessage(writer, message);
                writer.WriteEndArray();
            }
            else
            {
                member.WriteTo(writer);
            }
        }
        writer.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter writer, JsonElement message)
    {
        if (!IsAssistantWithBlocks(message, out _))
        {
            message.WriteTo(writer);
            return;
        }
        writer.WriteStartObject();
        foreach (var member in message.EnumerateObject())
        {
            if (!member.NameEquals("content"))
            {
                member.WriteTo(writer);
                continue;
            }
            writer.WriteStartArray("content");
            var kept = 0;
            foreach (var block in member.Value.EnumerateArray())
            {
                if (IsLocalThinking(block))
                    continue;
                block.WriteTo(writer);
                kept++;
            }
            if (kept == 0)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "text");
                writer.WriteString("text", EmptyTurnText);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static bool IsAssistantWithBlocks(JsonElement message, out JsonElement content)
    {
        content = default;
        return message.TryGetProperty("role", out var role) && role.ValueEquals("assistant")
            && message.TryGetProperty("content", out content) && content.ValueKind == JsonValueKind.Array;
    }

    private static bool IsLocalThinking(JsonElement block) =>
        ContentText.IsType(block, "thinking")
        && block.TryGetProperty("signature", out var signature)
        && signature.ValueKind == JsonValueKind.String
        && signature.ValueEquals(ChatStreamTranslator.LocalThinkingSignature);
}
