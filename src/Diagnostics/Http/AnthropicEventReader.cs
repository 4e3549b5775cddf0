using System.Text.Json;

namespace AnyClaude.Diagnostics.Http;

/// <summary>Folds one Anthropic SSE event into a measurement and checks the frame is well formed.</summary>
internal static class AnthropicEventReader
{
    public static void Apply(string? name, string data, StreamMeasurement m, TimeSpan now)
    {
        using var doc = JsonDocument.Parse(data);
        var root = doc.RootElement;
        var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
        m.Events.Add(type ?? "?");
        if (name != type)
            m.Error ??= $"event name '{name}' differs from data.type '{type}'";
        switch (type)
        {
            case "message_start" when root.TryGetProperty("message", out var message)
                                      && message.TryGetProperty("usage", out var usage):
                ApplyUsage(usage, m);
                break;
            case "content_block_start" when root.TryGetProperty("content_block", out var block)
                                            && Str(block, "type") == "tool_use":
                m.ToolCalls.Add(new SeenToolCall { Id = Str(block, "id"), Name = Str(block, "name") ?? "" });
                break;
            case "content_block_delta" when root.TryGetProperty("delta", out var delta):
                ApplyDelta(delta, m, now);
                break;
            case "message_delta":
                if (root.TryGetProperty("delta", out var md))
                    m.FinishReason = Str(md, "stop_reason") ?? m.FinishReason;
                if (root.TryGetProperty("usage", out var u))
                    ApplyUsage(u, m);
                break;
            case "message_stop":
                m.Completed = m.FinishReason is not null;
                break;
            case "error":
                m.Error = root.TryGetProperty("error", out var e) ? Str(e, "message") ?? e.ToString() : data;
                break;
        }
    }

    private static void ApplyDelta(JsonElement delta, StreamMeasurement m, TimeSpan now)
    {
        switch (Str(delta, "type"))
        {
            case "text_delta":
                m.Text.Append(Str(delta, "text"));
                m.TimeToFirstToken ??= now;
                break;
            case "input_json_delta":
                if (m.ToolCalls.Count > 0) m.ToolCalls[^1].Arguments.Append(Str(delta, "partial_json"));
                m.TimeToFirstToken ??= now;
                break;
            case "thinking_delta":
                m.TimeToFirstToken ??= now;
                break;
        }
    }

    // Counts are cumulative; a later event that carries a field overrides the earlier value.
    private static void ApplyUsage(JsonElement usage, StreamMeasurement m)
    {
        if (usage.ValueKind != JsonValueKind.Object) return;
        var input = Int(usage, "input_tokens");
        var read = Int(usage, "cache_read_input_tokens");
        var created = Int(usage, "cache_creation_input_tokens");
        if (input is not null || read is not null || created is not null)
        {
            var total = (input ?? 0) + (read ?? 0) + (created ?? 0);
            if (total > 0 || !m.UsageReported)
            {
                m.PromptTokens = total;
                m.CachedTokens = read ?? 0;
            }
            // The proxy always writes cache_read_input_tokens (0 where its backend reported none), so through the
            // proxy a missing cache report is not visible here: ProxyTurnSender asks the proxy's record instead.
            if (read is not null) m.CachedTokensReported = true;
            m.UsageReported = true;
        }
        if (Int(usage, "output_tokens") is { } output)
            m.OutputTokens = output;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : null;
}
