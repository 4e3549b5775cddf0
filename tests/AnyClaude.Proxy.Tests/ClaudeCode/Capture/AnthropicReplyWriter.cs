using System.Text;
using System.Text.Json;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Capture;

/// <summary>Writes a scripted answer as the real Anthropic API would: SSE frames in stream-grammar order, or one JSON message.</summary>
internal static class AnthropicReplyWriter
{
    /// <summary>Each reply needs fresh message and tool ids: Claude Code merges streamed assistant messages
    /// that share a message id (two tool calls under one id become one assistant turn).</summary>
    public static (string MessageId, string ToolId) NewIds()
    {
        var id = Guid.NewGuid().ToString("N");
        return ("msg_" + id[..24], "toolu_" + id[8..32]);
    }

    public static IEnumerable<string> StreamFrames(ScriptedAnswer answer, string model, int inputTokens)
    {
        var (messageId, toolId) = NewIds();
        yield return Frame("message_start", w =>
        {
            w.WriteStartObject("message");
            w.WriteString("id", messageId);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteString("model", model);
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            WriteUsage(w, inputTokens, 1);
            w.WriteEndObject();
        });
        yield return Frame("content_block_start", w =>
        {
            w.WriteNumber("index", 0);
            w.WriteStartObject("content_block");
            if (answer.IsToolUse)
            {
                w.WriteString("type", "tool_use");
                w.WriteString("id", toolId);
                w.WriteString("name", "Bash");
                w.WriteStartObject("input");
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("type", "text");
                w.WriteString("text", "");
            }
            w.WriteEndObject();
        });
        yield return Frame("ping", _ => { });
        // Split in two deltas, as the real API streams fragments.
        var payload = answer.IsToolUse ? ToolInputJson(answer.BashCommand!) : answer.Text!;
        var half = payload.Length / 2;
        foreach (var part in new[] { payload[..half], payload[half..] })
        {
            yield return Frame("content_block_delta", w =>
            {
                w.WriteNumber("index", 0);
                w.WriteStartObject("delta");
                if (answer.IsToolUse)
                {
                    w.WriteString("type", "input_json_delta");
                    w.WriteString("partial_json", part);
                }
                else
                {
                    w.WriteString("type", "text_delta");
                    w.WriteString("text", part);
                }
                w.WriteEndObject();
            });
        }
        yield return Frame("content_block_stop", w => w.WriteNumber("index", 0));
        yield return Frame("message_delta", w =>
        {
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", answer.IsToolUse ? "tool_use" : "end_turn");
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            WriteUsage(w, inputTokens, 12); // cumulative, as the API sends it
        });
        yield return Frame("message_stop", _ => { });
    }

    public static byte[] NonStreaming(ScriptedAnswer answer, string model, int inputTokens)
    {
        var (messageId, toolId) = NewIds();
        return Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", messageId);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteStartArray("content");
            w.WriteStartObject();
            if (answer.IsToolUse)
            {
                w.WriteString("type", "tool_use");
                w.WriteString("id", toolId);
                w.WriteString("name", "Bash");
                w.WritePropertyName("input");
                w.WriteRawValue(ToolInputJson(answer.BashCommand!));
            }
            else
            {
                w.WriteString("type", "text");
                w.WriteString("text", answer.Text);
            }
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("model", model);
            w.WriteString("stop_reason", answer.IsToolUse ? "tool_use" : "end_turn");
            w.WriteNull("stop_sequence");
            WriteUsage(w, inputTokens, 12);
            w.WriteEndObject();
        });
    }

    public static byte[] Error(string type, string message) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", type);
        w.WriteString("message", message);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static string ToolInputJson(string command) =>
        Encoding.UTF8.GetString(Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("command", command);
            w.WriteString("description", "Scripted by the capture server");
            w.WriteEndObject();
        }));

    private static void WriteUsage(Utf8JsonWriter w, int input, int output)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", input);
        w.WriteNumber("output_tokens", output);
        w.WriteNumber("cache_creation_input_tokens", 0);
        w.WriteNumber("cache_read_input_tokens", 0);
        w.WriteEndObject();
    }

    /// <summary>event name equals data.type, as the grammar requires.</summary>
    private static string Frame(string type, Action<Utf8JsonWriter> body)
    {
        var json = Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            body(w);
            w.WriteEndObject();
        });
        return $"event: {type}\ndata: {Encoding.UTF8.GetString(json)}\n\n";
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
            write(w);
        return stream.ToArray();
    }
}
