using System.Buffers;
using System.Text;
using System.Text.Json;

namespace AnyClaude.Proxy.Translation;

/// <summary>Collects the events of one response into the non-streaming Anthropic message JSON.</summary>
internal sealed class MessageAggregator : IAnthropicEventSink
{
    private sealed class Block(string kind, string? toolId, string? toolName)
    {
        public string Kind { get; } = kind;
        public string? ToolId { get; } = toolId;
        public string? ToolName { get; } = toolName;
        public StringBuilder Text { get; } = new();
        public StringBuilder Signature { get; } = new();
    }

    private readonly List<Block> _blocks = [];
    private string _id = "";
    private string _model = "";

    public string? StopReason { get; private set; }
    public string? StopSequence { get; private set; }
    public UsageCounts Usage { get; private set; }
    /// <summary>True once message_stop arrived.</summary>
    public bool Completed { get; private set; }

    public void MessageStart(string id, string model, UsageCounts usage)
    {
        _id = id;
        _model = model;
        Usage = usage;
    }

    public void BlockStart(int index, string kind, string? toolId, string? toolName)
    {
        if (index != _blocks.Count)
            throw new InvalidOperationException($"content block {index} started out of order (expected {_blocks.Count})");
        _blocks.Add(new Block(kind, toolId, toolName));
    }

    public void TextDelta(int index, string text) => _blocks[index].Text.Append(text);
    public void ThinkingDelta(int index, string thinking) => _blocks[index].Text.Append(thinking);
    public void SignatureDelta(int index, string signature) => _blocks[index].Signature.Append(signature);
    public void InputJsonDelta(int index, string partialJson) => _blocks[index].Text.Append(partialJson);
    public void BlockStop(int index) { }

    public void MessageDelta(string stopReason, string? stopSequence, UsageCounts usage)
    {
        StopReason = stopReason;
        StopSequence = stopSequence;
        Usage = usage;
    }

    public void MessageStop() => Completed = true;
    public void Ping() { }

    /// <summary>Writes {"id","type":"message","role","model","content":[...],"stop_reason","stop_sequence","usage"}.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        using var w = new Utf8JsonWriter(output, ChatRequestTranslator.WriterOptions);
        w.WriteStartObject();
        w.WriteString("id", _id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", _model);
        w.WriteStartArray("content");
        foreach (var block in _blocks)
            WriteBlock(w, block);
        w.WriteEndArray();
        if (StopReason is null) w.WriteNull("stop_reason"); else w.WriteString("stop_reason", StopReason);
        if (StopSequence is null) w.WriteNull("stop_sequence"); else w.WriteString("stop_sequence", StopSequence);
        SseEventWriter.WriteUsage(w, Usage);
        w.WriteEndObject();
    }

    private static void WriteBlock(Utf8JsonWriter w, Block block)
    {
        w.WriteStartObject();
        w.WriteString("type", block.Kind);
        switch (block.Kind)
        {
            case "text":
                w.WriteString("text", block.Text.ToString());
                break;
            case "thinking":
                w.WriteString("thinking", block.Text.ToString());
                w.WriteString("signature", block.Signature.ToString());
                break;
            case "tool_use":
                w.WriteString("id", block.ToolId);
                w.WriteString("name", block.ToolName);
                w.WritePropertyName("input");
                WriteInput(w, block.Text.ToString());
                break;
        }
        w.WriteEndObject();
    }

    /// <summary>The tool input parsed from the concatenated partial_json. Arguments that are empty or not a JSON
    /// object (a model's malformed call) become {}: Claude Code then reports the missing parameters to the
    /// model, the same outcome a streaming client gets from unparseable input.</summary>
    private static void WriteInput(Utf8JsonWriter w, string json)
    {
        if (json.Length > 0)
        {
            try
            {
                using var doc = JsonDocument.Parse(json);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    doc.RootElement.WriteTo(w);
                    return;
                }
            }
            catch (JsonException)
            {
                // fall through to {}
            }
        }
        w.WriteStartObject();
        w.WriteEndObject();
    }
}
