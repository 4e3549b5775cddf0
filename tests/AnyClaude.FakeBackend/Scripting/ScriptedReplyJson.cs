using System.Text.Json;

namespace AnyClaude.FakeBackend.Scripting;

/// <summary>
/// Reads a scripted reply from the JSON posted to /_fake/script (for Pester):
/// {"text","reasoning","toolCalls":[{"name","arguments":object|string,"id"}],"finishReason","status","body":string|object,
///  "message","drop","cutAfterChunks","stallAfterChunks","stallMs","delayMs","fragment","charsPerChunk","usPerToken","count"}.
/// A JSON array queues several replies.
/// </summary>
public static class ScriptedReplyJson
{
    public static IReadOnlyList<ScriptedReply> Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        var replies = new List<ScriptedReply>();
        if (doc.RootElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                AddOne(item, replies);
            }
        }
        else
        {
            AddOne(doc.RootElement, replies);
        }
        return replies;
    }

    private static void AddOne(JsonElement e, List<ScriptedReply> replies)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("A scripted reply must be a JSON object.");
        }
        var calls = new List<ScriptedToolCall>();
        if (e.TryGetProperty("toolCalls", out var tc))
        {
            foreach (var c in tc.EnumerateArray())
            {
                var name = c.GetProperty("name").GetString() ?? throw new FormatException("toolCalls[].name is required.");
                var args = c.TryGetProperty("arguments", out var a)
                    ? a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText()
                    : "{}";
                calls.Add(new ScriptedToolCall(name, args, Str(c, "id")));
            }
        }
        var reply = new ScriptedReply
        {
            Text = Str(e, "text"),
            Reasoning = Str(e, "reasoning"),
            ToolCalls = calls,
            FinishReason = Str(e, "finishReason"),
            ErrorStatus = Int(e, "status"),
            ErrorBody = e.TryGetProperty("body", out var b) ? (b.ValueKind == JsonValueKind.String ? b.GetString() : b.GetRawText()) : null,
            ErrorMessage = Str(e, "message"),
            DropConnection = e.TryGetProperty("drop", out var d) && d.ValueKind == JsonValueKind.True,
            CutAfterChunks = Int(e, "cutAfterChunks"),
            StallAfterChunks = Int(e, "stallAfterChunks"),
            StallFor = TimeSpan.FromMilliseconds(Int(e, "stallMs") ?? 0),
            DelayBeforeResponse = TimeSpan.FromMilliseconds(Int(e, "delayMs") ?? 0),
            FragmentToolArguments = e.TryGetProperty("fragment", out var f) && f.ValueKind is JsonValueKind.True or JsonValueKind.False ? f.GetBoolean() : null,
            CharsPerChunk = Int(e, "charsPerChunk"),
            MicrosecondsPerToken = e.TryGetProperty("usPerToken", out var us) && us.ValueKind == JsonValueKind.Number ? us.GetDouble() : null,
        };
        var count = Int(e, "count") ?? 1;
        for (var i = 0; i < count; i++)
        {
            replies.Add(reply);
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
}
