using System.Text.Json;

namespace AnyClaude.Proxy.Translation;

/// <summary>One content part of an OpenAI chat message: text, or an image URL (http(s) or data: URI).</summary>
internal readonly record struct ChatPart(string? Text, string? ImageUrl)
{
    public static ChatPart OfText(string text) => new(text, null);
    public static ChatPart OfImage(string url) => new(null, url);
}

/// <summary>A tool call in an assistant message; Arguments is the client's original input JSON text.</summary>
internal readonly record struct ChatToolCall(string Id, string Name, string Arguments);

/// <summary>One OpenAI chat message being assembled from Anthropic messages.</summary>
internal sealed class ChatMessage(string role)
{
    // Text parts are joined with a blank line; the same separator everywhere keeps the output byte-stable.
    private const string PartSeparator = "\n\n";

    public string Role { get; } = role;
    public List<ChatPart> Parts { get; } = [];
    public string? ToolCallId { get; init; }
    public List<ChatToolCall>? ToolCalls { get; set; }

    public void AddText(string text)
    {
        // Empty text adds nothing: "" and [] and [{"type":"text","text":""}] all render as "".
        if (text.Length > 0)
            Parts.Add(ChatPart.OfText(text));
    }

    /// <summary>Adds text after the leading system reminders, before the user's own words (see ChatMessageBuilder.AddSystem).</summary>
    public void InsertBeforeOwnText(string text)
    {
        if (text.Length == 0)
            return;
        var at = 0;
        while (at < Parts.Count && Parts[at].Text is { } t && t.StartsWith("<system-reminder>", StringComparison.Ordinal))
            at++;
        Parts.Insert(at, ChatPart.OfText(text));
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("role", Role);
        if (ToolCallId is not null)
            writer.WriteString("tool_call_id", ToolCallId);
        WriteContent(writer);
        if (ToolCalls is { Count: > 0 })
        {
            writer.WriteStartArray("tool_calls");
            foreach (var call in ToolCalls)
            {
                writer.WriteStartObject();
                writer.WriteString("id", call.Id);
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", call.Name);
                writer.WriteString("arguments", call.Arguments);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private void WriteContent(Utf8JsonWriter writer)
    {
        var allText = true;
        foreach (var part in Parts)
            allText &= part.Text is not null;

        // Text-only content is always a plain string (never an array of one text part), so a message sent as
        // "T" and one sent as [{"type":"text","text":"T"}] produce identical bytes.
        if (allText)
        {
            writer.WriteString("content", JoinText());
            return;
        }
        writer.WriteStartArray("content");
        foreach (var part in Parts)
        {
            writer.WriteStartObject();
            if (part.Text is not null)
            {
                writer.WriteString("type", "text");
                writer.WriteString("text", part.Text);
            }
            else
            {
                writer.WriteString("type", "image_url");
                writer.WriteStartObject("image_url");
                writer.WriteString("url", part.ImageUrl);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private string JoinText() => Parts.Count switch
    {
        0 => "",
        1 => Parts[0].Text!,
        _ => string.Join(PartSeparator, Parts.ConvertAll(p => p.Text!)),
    };
}
