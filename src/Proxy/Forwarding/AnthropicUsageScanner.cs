using System.Text.Json;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Proxy.Forwarding;

/// <summary>Reads usage and stop_reason out of relayed Anthropic events (or a whole message) into the record.
/// Only message_start and message_delta payloads are parsed; other lines cost one prefix check.</summary>
internal sealed class AnthropicUsageScanner(RecordDraft record)
{
    public string? StopReason { get; private set; }

    public void ScanLine(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("event: content_block_delta"u8)) { record.MarkFirstToken(); return; }
        if (!line.StartsWith("data:"u8)) return;
        var payload = line[5..];
        if (payload.IndexOf("\"message_start\""u8) < 0 && payload.IndexOf("\"message_delta\""u8) < 0) return;
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.TryGetProperty("message", out var message))
            {
                ReadUsage(message);
                ReadModel(message);
            }
            if (root.TryGetProperty("delta", out var delta) && delta.TryGetProperty("stop_reason", out var sr) && sr.ValueKind == JsonValueKind.String)
                record.StopReason = StopReason = sr.GetString();
            ReadUsage(root);
        }
        catch (JsonException)
        {
        }
    }

    public void ScanMessage(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return;
            ReadUsage(root);
            ReadModel(root);
            if (root.TryGetProperty("stop_reason", out var sr) && sr.ValueKind == JsonValueKind.String)
                record.StopReason = StopReason = sr.GetString();
        }
        catch (JsonException)
        {
        }
    }

    /// <summary>The model the backend says it used, for a request that named none (the mode's backend chose it).</summary>
    private void ReadModel(JsonElement message)
    {
        if (record.Model is null && message.ValueKind == JsonValueKind.Object && message.TryGetProperty("model", out var model)
            && model.ValueKind == JsonValueKind.String && model.GetString() is { Length: > 0 } name)
            record.Model = name;
    }

    private void ReadUsage(JsonElement holder)
    {
        if (holder.ValueKind != JsonValueKind.Object || !holder.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object) return;
        if (TryInt(usage, "input_tokens", out var input))
        {
            record.InputTokens = input;
            record.UsageReported = true;
        }
        if (TryInt(usage, "output_tokens", out var output)) record.OutputTokens = output;
        if (TryInt(usage, "cache_read_input_tokens", out var cached)) record.CachedTokens = cached;
    }

    private static bool TryInt(JsonElement e, string name, out int value)
    {
        value = 0;
        return e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out value);
    }
}
