using System.Text.Json;
using System.Text.Json.Nodes;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>One request of a recorded session: Claude Code's own body (secrets already masked when it was recorded)
/// and what the proxy recorded about it then.</summary>
public sealed record ReplayRequest(int Index, int Line, RequestKind Kind, DateTimeOffset Time, BackendMode Mode,
    string? Model, string? SessionId, JsonObject Body)
{
    /// <summary>The request's model as Claude Code named it (a Claude model, a role id, or a mode name).</summary>
    public string RequestedModel => Body["model"]?.GetValue<string>() ?? "";
}

/// <summary>Why a trace cannot be replayed.</summary>
public enum ReplayTraceProblem
{
    /// <summary>The file does not exist or cannot be read.</summary>
    Unreadable,
    /// <summary>A line is not a trace record.</summary>
    Corrupt,
    /// <summary>The trace holds records but no request bodies (an older trace, or TraceLevel Basic).</summary>
    NoBodies,
}

public sealed class ReplayTraceException(ReplayTraceProblem problem, string message, Exception? inner = null) : Exception(message, inner)
{
    public ReplayTraceProblem Problem { get; } = problem;
}

/// <summary>Reads the /v1/messages requests a trace recorded at TraceLevel Replay (or Debug), in the order they were sent.</summary>
public static class ReplayTrace
{
    public const string HowToRecord =
        "Record a session with Start-AnyClaude -TracePath <file> -TraceLevel Replay (or Debug): each /v1/messages line then holds " +
        "Claude Code's own request ('" + RecordJson.ClientRequestProperty + "').";

    public static IReadOnlyList<ReplayRequest> Read(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ReplayTraceException(ReplayTraceProblem.Unreadable, $"Cannot read the trace '{path}': {e.Message}", e);
        }
        return Parse(lines, path);
    }

    public static IReadOnlyList<ReplayRequest> Parse(IReadOnlyList<string> lines, string source)
    {
        var requests = new List<(ReplayRequest Request, int Order)>();
        var records = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var text = lines[i];
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonElement line;
            try
            {
                using var doc = JsonDocument.Parse(text);
                line = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new ReplayTraceException(ReplayTraceProblem.Corrupt,
                    $"Line {i + 1} of the trace '{source}' is not JSON ({e.Message}); a trace holds one JSON record per line.", e);
            }
            if (line.ValueKind != JsonValueKind.Object || !line.TryGetProperty("path", out var pathProperty) || pathProperty.ValueKind != JsonValueKind.String)
                throw new ReplayTraceException(ReplayTraceProblem.Corrupt,
                    $"Line {i + 1} of the trace '{source}' is not a request record (no \"path\"): is this an AnyClaude trace?");
            records++;
            if (pathProperty.GetString() != "/v1/messages" || !line.TryGetProperty(RecordJson.ClientRequestProperty, out var body)) continue;
            if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("messages", out _))
                throw new ReplayTraceException(ReplayTraceProblem.Corrupt,
                    $"Line {i + 1} of the trace '{source}' has a '{RecordJson.ClientRequestProperty}' that is not an Anthropic Messages request.");
            RequestRecord record;
            try
            {
                record = RecordJson.Read(line);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new ReplayTraceException(ReplayTraceProblem.Corrupt, $"Line {i + 1} of the trace '{source}': {e.Message}", e);
            }
            var request = new ReplayRequest(0, i + 1, record.Kind, record.Time, record.Mode, record.Model, record.SessionId,
                (JsonObject)JsonNode.Parse(body.GetRawText())!);
            requests.Add((request, requests.Count));
        }
        if (requests.Count == 0)
            throw new ReplayTraceException(records == 0 ? ReplayTraceProblem.Corrupt : ReplayTraceProblem.NoBodies,
                records == 0
                    ? $"The trace '{source}' holds no request records."
                    : $"The trace '{source}' holds {records} request record(s) but no recorded request bodies, so there is nothing to replay. {HowToRecord}");
        // Lines are written when a request ends; a session is replayed in the order its requests started.
        return requests.OrderBy(r => r.Request.Time).ThenBy(r => r.Order)
            .Select((r, i) => r.Request with { Index = i + 1 }).ToList();
    }
}
