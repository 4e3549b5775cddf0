using System.Text;
using System.Text.Json;

namespace AnyClaude.FakeBackend;

/// <summary>A request the fake received, kept for assertions, plus what the fake did with it (chat completions only).</summary>
public sealed class RecordedRequest
{
    public required int Sequence { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required string Method { get; init; }

    /// <summary>Path and query as sent.</summary>
    public required string Target { get; init; }

    public required string Path { get; init; }

    /// <summary>Headers as sent (case-insensitive lookup; repeated headers joined with ", ").</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required byte[] RawBody { get; init; }

    public string Body => Encoding.UTF8.GetString(RawBody);

    /// <summary>HTTP status the fake answered with; null when it dropped the connection without a reply.</summary>
    public int? Status { get; internal set; }

    public int? PromptTokens { get; internal set; }
    public int? CachedTokens { get; internal set; }
    public int? CompletionTokens { get; internal set; }

    /// <summary>Simulated prompt-processing time: uncached tokens × MicrosecondsPerPromptToken (deterministic, not wall clock).</summary>
    public double? PromptProcessingMicroseconds { get; internal set; }

    public string? FinishReason { get; internal set; }

    /// <summary>True when a scripted reply answered it; false for the automatic responder.</summary>
    public bool Scripted { get; internal set; }

    /// <summary>The client closed the connection before the fake finished answering (e.g. a proxy cancelling).</summary>
    public bool ClientDisconnected { get; internal set; }

    /// <summary>The fake finished handling the request (answered, failed or dropped it).</summary>
    public bool Completed { get; internal set; }

    /// <summary>The chat-template text the fake rendered (what its prefix cache compares).</summary>
    public string? RenderedPrompt { get; internal set; }

    /// <summary>The body parsed as JSON (caller disposes).</summary>
    public JsonDocument BodyJson() => JsonDocument.Parse(RawBody);

    internal void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("sequence", Sequence);
        w.WriteString("receivedAt", ReceivedAt);
        w.WriteString("method", Method);
        w.WriteString("target", Target);
        w.WriteString("path", Path);
        w.WriteStartObject("headers");
        foreach (var (k, v) in Headers)
        {
            w.WriteString(k, v);
        }
        w.WriteEndObject();
        w.WriteString("body", Body);
        WriteNullable(w, "status", Status);
        WriteNullable(w, "promptTokens", PromptTokens);
        WriteNullable(w, "cachedTokens", CachedTokens);
        WriteNullable(w, "completionTokens", CompletionTokens);
        if (PromptProcessingMicroseconds is { } us)
        {
            w.WriteNumber("promptProcessingMicroseconds", us);
        }
        else
        {
            w.WriteNull("promptProcessingMicroseconds");
        }
        w.WriteString("finishReason", FinishReason);
        w.WriteBoolean("scripted", Scripted);
        w.WriteBoolean("clientDisconnected", ClientDisconnected);
        w.WriteBoolean("completed", Completed);
        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
