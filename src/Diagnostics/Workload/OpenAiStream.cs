using System.Buffers;
using System.Text;
using System.Text.Json;

namespace AnyClaude.Diagnostics.Workload;

/// <summary>What a canned backend stream contains.</summary>
public enum StreamShape
{
    /// <summary>Only text content deltas, then finish_reason "stop".</summary>
    Text,
    /// <summary>Reasoning deltas, text deltas, then two tool calls whose arguments arrive in fragments
    /// keyed by index (id and name only in the first fragment), finish_reason "tool_calls".</summary>
    Mixed,
}

/// <summary>
/// A canned OpenAI Chat Completions stream shaped like LM Studio's: a role chunk, token-sized deltas,
/// a finish chunk and a usage-only chunk (as sent with stream_options.include_usage), then [DONE].
/// <see cref="Chunks"/> counts every data event except [DONE].
/// </summary>
public sealed class OpenAiStream
{
    public const string ModelId = "qwen/qwen3-coder-30b";

    private OpenAiStream(List<byte[]> payloads, int textChunks, int toolFragments)
    {
        Payloads = payloads;
        TextChunks = textChunks;
        ToolFragments = toolFragments;
        Events = payloads.Select(p => Concat("data: "u8, p, "\n\n"u8)).Append("data: [DONE]\n\n"u8.ToArray()).ToArray();
        Body = Events.SelectMany(e => e).ToArray();
    }

    /// <summary>The JSON of each data event, without the "data: " prefix; [DONE] excluded.</summary>
    public IReadOnlyList<byte[]> Payloads { get; }
    /// <summary>Each SSE event as sent ("data: …\n\n"), [DONE] last.</summary>
    public IReadOnlyList<byte[]> Events { get; }
    /// <summary>The whole SSE response body.</summary>
    public byte[] Body { get; }
    public int Chunks => Payloads.Count;
    /// <summary>Chunks carrying reasoning or text.</summary>
    public int TextChunks { get; }
    /// <summary>Chunks carrying a tool-call fragment.</summary>
    public int ToolFragments { get; }

    public static OpenAiStream Create(int chunks = 2000, StreamShape shape = StreamShape.Mixed, int seed = 7)
    {
        if (chunks < 12) throw new ArgumentOutOfRangeException(nameof(chunks), "at least 12 chunks");
        var text = new SyntheticText(seed);
        var payloads = new List<byte[]>(chunks);
        var buffer = new ArrayBufferWriter<byte>(512);

        // Fixed framing: role chunk, finish chunk, usage chunk.
        var body = chunks - 3;
        var reasoning = shape == StreamShape.Mixed ? body * 15 / 100 : 0;
        var toolA = shape == StreamShape.Mixed ? body * 15 / 100 : 0;
        var toolB = shape == StreamShape.Mixed ? body * 13 / 100 : 0;
        var content = body - reasoning - toolA - toolB;

        payloads.Add(Chunk(buffer, w => { w.WriteString("role", "assistant"); w.WriteString("content", ""); }));
        for (var i = 0; i < reasoning; i++)
        {
            var token = Token(text, i);
            payloads.Add(Chunk(buffer, w => w.WriteString("reasoning", token)));
        }
        for (var i = 0; i < content; i++)
        {
            var token = Token(text, i);
            payloads.Add(Chunk(buffer, w => w.WriteString("content", token)));
        }
        if (toolA > 0) AddToolCall(payloads, buffer, text, 0, "Bash", toolA);
        if (toolB > 0) AddToolCall(payloads, buffer, text, 1, "Edit", toolB);

        var finish = shape == StreamShape.Mixed ? "tool_calls" : "stop";
        payloads.Add(Chunk(buffer, _ => { }, finish));
        payloads.Add(UsageChunk(buffer, promptTokens: 21_480, completionTokens: chunks - 3, cachedTokens: 20_992));
        return new OpenAiStream(payloads, reasoning + content, toolA + toolB);
    }

    /// <summary>A token-sized piece of text: usually " word", sometimes punctuation, a newline or a quote.</summary>
    private static string Token(SyntheticText text, int i) => (i % 29) switch
    {
        0 => ".\n\n",
        7 => "`",
        13 => " \"" + text.Word() + "\"",
        19 => ",",
        23 => "\n- ",
        _ => " " + text.Word(),
    };

    /// <summary>Arguments JSON split into exactly <paramref name="fragments"/> pieces; the first carries id and name.</summary>
    private static void AddToolCall(List<byte[]> payloads, ArrayBufferWriter<byte> buffer, SyntheticText text, int index, string name, int fragments)
    {
        var args = new StringBuilder("{\"command\":\"");
        while (args.Length < fragments * 6) args.Append(text.Word()).Append(' ');
        args.Append("\",\"description\":\"").Append(text.Sentence()).Append("\"}");
        var json = args.ToString();
        var id = "call_" + text.Hex(24);

        var pieces = fragments - 1; // the first fragment has the name and empty arguments, as LM Studio sends it
        payloads.Add(Chunk(buffer, w => WriteToolCall(w, index, id, name, "")));
        for (var i = 0; i < pieces; i++)
        {
            int start = json.Length * i / pieces, end = json.Length * (i + 1) / pieces;
            var part = json[start..end];
            payloads.Add(Chunk(buffer, w => WriteToolCall(w, index, null, null, part)));
        }
    }

    private static void WriteToolCall(Utf8JsonWriter w, int index, string? id, string? name, string arguments)
    {
        w.WritePropertyName("tool_calls");
        w.WriteStartArray();
        w.WriteStartObject();
        w.WriteNumber("index", index);
        if (id is not null)
        {
            w.WriteString("id", id);
            w.WriteString("type", "function");
        }
        w.WritePropertyName("function");
        w.WriteStartObject();
        if (name is not null) w.WriteString("name", name);
        w.WriteString("arguments", arguments);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static byte[] Chunk(ArrayBufferWriter<byte> buffer, Action<Utf8JsonWriter> delta, string? finishReason = null)
    {
        buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(buffer, JsonStyle.Options))
        {
            WriteEnvelope(w);
            w.WritePropertyName("choices");
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WritePropertyName("delta");
            w.WriteStartObject();
            delta(w);
            w.WriteEndObject();
            w.WriteNull("logprobs");
            if (finishReason is null) w.WriteNull("finish_reason");
            else w.WriteString("finish_reason", finishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] UsageChunk(ArrayBufferWriter<byte> buffer, int promptTokens, int completionTokens, int cachedTokens)
    {
        buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(buffer, JsonStyle.Options))
        {
            WriteEnvelope(w);
            w.WritePropertyName("choices");
            w.WriteStartArray();
            w.WriteEndArray();
            w.WritePropertyName("usage");
            w.WriteStartObject();
            w.WriteNumber("prompt_tokens", promptTokens);
            w.WriteNumber("completion_tokens", completionTokens);
            w.WriteNumber("total_tokens", promptTokens + completionTokens);
            w.WritePropertyName("prompt_tokens_details");
            w.WriteStartObject();
            w.WriteNumber("cached_tokens", cachedTokens);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteEnvelope(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id", "chatcmpl-8f3kq2x9b1m4n7p0r5t6");
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", 1_764_000_000);
        w.WriteString("model", ModelId);
        w.WriteString("system_fingerprint", ModelId);
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c)
    {
        var result = new byte[a.Length + b.Length + c.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        c.CopyTo(result.AsSpan(a.Length + b.Length));
        return result;
    }
}
