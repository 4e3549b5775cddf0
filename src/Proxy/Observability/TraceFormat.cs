using System.Text.Json;

namespace AnyClaude.Proxy.Observability;

/// <summary>
/// The trace file's format, for readers outside the engine (Measure-AnyClaudeCache -Replay). One JSON object per line and
/// per request, written when the request ends: the record's fields (id, time, path, kind, mode, requestedModel, model,
/// stream, status, timeToFirstTokenMs, durationMs, inputTokens, outputTokens, cachedTokens, sessionId, ...); at
/// TraceLevel.Replay and Debug, a /v1/messages line also holds <see cref="ClientRequestProperty"/>: Claude Code's request
/// body as it reached the proxy (before translation), with secret-named properties and known secrets masked.
/// </summary>
public static class TraceFormat
{
    /// <summary>The property holding Claude Code's original request body (a JSON object).</summary>
    public const string ClientRequestProperty = RecordJson.ClientRequestProperty;

    /// <summary>The record fields of one trace line.</summary>
    public static RequestRecord ReadRecord(JsonElement line) => RecordJson.Read(line);
}
