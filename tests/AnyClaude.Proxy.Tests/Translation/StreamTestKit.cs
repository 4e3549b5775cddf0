using System.Buffers;
using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Tests.Translation;

/// <summary>Builds OpenAI stream chunks shaped like LM Studio's and mlx_lm.server's, and runs them through the translator.</summary>
internal static class StreamTestKit
{
    public static string Chunk(string delta, string? finish = null) =>
        $$"""{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1764000000,"model":"qwen3-coder","choices":[{"index":0,"delta":{{delta}},"logprobs":null,"finish_reason":{{(finish is null ? "null" : $"\"{finish}\"")}}}]}""";

    public static string Text(string text) => Chunk(JsonSerializer.Serialize(new { content = text }));
    public static string Reasoning(string text) => Chunk(JsonSerializer.Serialize(new { reasoning = text }));
    public static string ReasoningContent(string text) => Chunk(JsonSerializer.Serialize(new { reasoning_content = text }));
    public static string Finish(string reason) => Chunk("{}", reason);
    public static string Role() => Chunk("""{"role":"assistant","content":""}""");

    public static string ToolFragment(int index, string? id, string? name, string arguments)
    {
        var fields = new StringBuilder("{\"index\":" + index);
        if (id is not null)
            fields.Append(",\"id\":\"" + id + "\",\"type\":\"function\"");
        fields.Append(",\"function\":{");
        if (name is not null)
            fields.Append("\"name\":\"" + name + "\",");
        fields.Append("\"arguments\":" + JsonSerializer.Serialize(arguments) + "}}");
        return Chunk("{\"tool_calls\":[" + fields + "]}");
    }

    public static string Usage(int prompt, int completion, int? cached = null)
    {
        var details = cached is null ? "" : ",\"prompt_tokens_details\":{\"cached_tokens\":" + cached + "}";
        return "{\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"qwen3-coder\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion + ",\"total_tokens\":" + (prompt + completion) + details + "}}";
    }

    /// <summary>Runs chunks through a translator writing SSE; returns the SSE text and the translator.</summary>
    public static (string Sse, ChatStreamTranslator Translator) RunSse(IEnumerable<string> chunks, bool complete = true, int inputEstimate = 50)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var translator = new ChatStreamTranslator(new SseEventWriter(buffer));
        translator.Start("msg_01test", "claude-sonnet-4-5", inputEstimate);
        foreach (var chunk in chunks)
            translator.OnChunk(Encoding.UTF8.GetBytes(chunk));
        if (complete)
            translator.Complete();
        return (Encoding.UTF8.GetString(buffer.WrittenSpan), translator);
    }

    public static StreamSummary RunChecked(params string[] chunks) => AnthropicSseGrammar.Check(RunSse(chunks).Sse);

    public static JsonElement RunAggregated(params string[] chunks)
    {
        var aggregator = new MessageAggregator();
        var translator = new ChatStreamTranslator(aggregator);
        translator.Start("msg_01test", "claude-sonnet-4-5", 50);
        foreach (var chunk in chunks)
            translator.OnChunk(Encoding.UTF8.GetBytes(chunk));
        translator.Complete();
        var buffer = new ArrayBufferWriter<byte>();
        aggregator.WriteTo(buffer);
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement;
    }
}
