using System.Text.Json;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Observability;

/// <summary>
/// The JSON form of a request record: trace lines, per-session records and the control endpoint's /anyclaude/requests.
/// One object per request, written when it ends: the record's fields (id, time, path, kind, mode, requestedModel, model,
/// stream, status, timeToFirstTokenMs, durationMs, inputTokens, outputTokens, cachedTokens, sessionId, ...); at
/// TraceLevel.Replay and Debug, a /v1/messages trace line also holds <see cref="ClientRequestProperty"/>. Public for
/// readers outside the engine (Measure-AnyClaudeCache -Replay reads traces with <see cref="Read"/>).
/// </summary>
public static class RecordJson
{
    /// <summary>The trace line property holding Claude Code's request body as it reached the proxy (before translation),
    /// with secret-named properties and known secrets masked: a JSON object, for a replay.</summary>
    public const string ClientRequestProperty = "clientRequest";

    internal static void Write(Utf8JsonWriter w, RequestRecord r, string? requestBody = null, string? responseBody = null, string? clientRequest = null)
    {
        w.WriteStartObject();
        w.WriteString("id", r.Id);
        w.WriteString("time", r.Time);
        w.WriteString("path", r.Path);
        w.WriteString("kind", r.Kind.ToString());
        if (r.ConversationId is not null) w.WriteString("conversationId", r.ConversationId);
        if (r.AgentId is not null) w.WriteString("agentId", r.AgentId);
        if (r.Reason is not null) w.WriteString("reason", r.Reason);
        w.WriteString("mode", r.Mode.ToString());
        if (r.BackendUrl is not null) w.WriteString("backendUrl", r.BackendUrl);
        if (r.RequestedModel is not null) w.WriteString("requestedModel", r.RequestedModel);
        if (r.Model is not null) w.WriteString("model", r.Model);
        w.WriteBoolean("stream", r.Stream);
        w.WriteNumber("status", r.Status);
        if (r.TimeToFirstToken is { } ttft) w.WriteNumber("timeToFirstTokenMs", ttft.TotalMilliseconds);
        w.WriteNumber("durationMs", r.Duration.TotalMilliseconds);
        w.WriteNumber("inputTokens", r.InputTokens);
        w.WriteNumber("outputTokens", r.OutputTokens);
        if (r.CachedTokens is { } cached) w.WriteNumber("cachedTokens", cached);
        else w.WriteNull("cachedTokens");
        w.WriteBoolean("usageReported", r.UsageReported);
        if (r.ContextWindow is { } window) w.WriteNumber("contextWindow", window);
        if (r.ElidedTokens > 0) w.WriteNumber("elidedTokens", r.ElidedTokens);
        if (r.ElidedBlocks > 0) w.WriteNumber("elidedBlocks", r.ElidedBlocks);
        if (r.StopReason is not null) w.WriteString("stopReason", r.StopReason);
        if (r.Error is not null) w.WriteString("error", r.Error);
        if (r.SessionId is not null) w.WriteString("sessionId", r.SessionId);
        if (requestBody is not null) w.WriteString("requestBody", requestBody);
        if (responseBody is not null) w.WriteString("responseBody", responseBody);
        if (clientRequest is not null) WriteClientRequest(w, clientRequest);
        w.WriteEndObject();
    }

    /// <summary>The original body as a nested object (readable, no second escaping); a body that is somehow not
    /// JSON after redaction is kept as a string rather than lost.</summary>
    private static void WriteClientRequest(Utf8JsonWriter w, string clientRequest)
    {
        w.WritePropertyName(ClientRequestProperty);
        try
        {
            using var doc = JsonDocument.Parse(clientRequest);
            doc.RootElement.WriteTo(w);
        }
        catch (JsonException)
        {
            w.WriteStringValue(clientRequest);
        }
    }

    public static RequestRecord Read(JsonElement e)
    {
        static string? Str(JsonElement e, string n) => e.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        static int Int(JsonElement e, string n) => e.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
        return new RequestRecord
        {
            Id = Str(e, "id") ?? "",
            Time = e.TryGetProperty("time", out var t) ? t.GetDateTimeOffset() : default,
            Path = Str(e, "path") ?? "",
            Mode = Enum.TryParse<BackendMode>(Str(e, "mode"), out var m) ? m : default,
            BackendUrl = Str(e, "backendUrl"),
            RequestedModel = Str(e, "requestedModel"),
            Model = Str(e, "model"),
            Stream = e.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True,
            Status = Int(e, "status"),
            TimeToFirstToken = e.TryGetProperty("timeToFirstTokenMs", out var f) ? TimeSpan.FromMilliseconds(f.GetDouble()) : null,
            Duration = e.TryGetProperty("durationMs", out var d) ? TimeSpan.FromMilliseconds(d.GetDouble()) : TimeSpan.Zero,
            InputTokens = Int(e, "inputTokens"),
            OutputTokens = Int(e, "outputTokens"),
            CachedTokens = e.TryGetProperty("cachedTokens", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null,
            UsageReported = e.TryGetProperty("usageReported", out var u) && u.ValueKind == JsonValueKind.True,
            Kind = Enum.TryParse<RequestKind>(Str(e, "kind"), out var k) ? k : RequestKind.Main,
            ConversationId = Str(e, "conversationId"),
            ContextWindow = e.TryGetProperty("contextWindow", out var cw) && cw.ValueKind == JsonValueKind.Number ? cw.GetInt32() : null,
            ElidedTokens = Int(e, "elidedTokens"),
            ElidedBlocks = Int(e, "elidedBlocks"),
            AgentId = Str(e, "agentId"),
            Reason = Str(e, "reason"),
            StopReason = Str(e, "stopReason"),
            Error = Str(e, "error"),
            SessionId = Str(e, "sessionId"),
        };
    }
}
