using System.Text.Json;

namespace AnyClaude.Diagnostics.Http;

/// <summary>Folds one Chat Completions stream chunk into a measurement.</summary>
internal static class OpenAiChunkReader
{
    public static void Apply(string json, StreamMeasurement m, TimeSpan now)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.TryGetProperty("error", out var error))
        {
            m.Error = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var msg)
                ? msg.GetString() : error.ToString();
            return;
        }
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            ApplyUsage(usage, m);
        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
            return;
        foreach (var choice in choices.EnumerateArray())
        {
            if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                ApplyDelta(delta, m, now);
            if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
                m.FinishReason = finish.GetString();
        }
    }

    public static void ApplyUsage(JsonElement usage, StreamMeasurement m)
    {
        m.UsageReported = true;
        m.PromptTokens = Int(usage, "prompt_tokens");
        m.OutputTokens = Int(usage, "completion_tokens");
        if (usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object
            && details.TryGetProperty("cached_tokens", out var cached) && cached.ValueKind == JsonValueKind.Number)
        {
            m.CachedTokens = cached.GetInt32();
            m.CachedTokensReported = true;
        }
    }

    private static void ApplyDelta(JsonElement delta, StreamMeasurement m, TimeSpan now)
    {
        var produced = false;
        if (Str(delta, "content") is { Length: > 0 } content)
        {
            m.Text.Append(content);
            produced = true;
        }
        if (Str(delta, "reasoning") is { Length: > 0 } || Str(delta, "reasoning_content") is { Length: > 0 })
            produced = true;
        if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var index = call.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number ? i.GetInt32() : m.ToolCalls.Count;
                while (m.ToolCalls.Count <= index) m.ToolCalls.Add(new SeenToolCall());
                var seen = m.ToolCalls[index];
                seen.Id ??= Str(call, "id");
                if (call.TryGetProperty("function", out var fn) && fn.ValueKind == JsonValueKind.Object)
                {
                    if (Str(fn, "name") is { Length: > 0 } name) seen.Name = name;
                    if (Str(fn, "arguments") is { } args) seen.Arguments.Append(args);
                }
            }
            produced = true;
        }
        if (produced)
            m.TimeToFirstToken ??= now;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : 0;
}
