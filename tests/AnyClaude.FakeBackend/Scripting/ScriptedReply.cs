namespace AnyClaude.FakeBackend.Scripting;

/// <summary>One tool call a scripted reply makes. Arguments is the JSON text the model "generates".</summary>
public sealed record ScriptedToolCall(string Name, string Arguments, string? Id = null);

/// <summary>
/// A reply queued by a test; the next chat completion consumes it (after the real server's own validation, so a
/// request the real server would reject is still rejected). Anything not set behaves like the real server.
/// </summary>
public sealed class ScriptedReply
{
    public string? Reasoning { get; init; }
    public string? Text { get; init; }
    public IReadOnlyList<ScriptedToolCall> ToolCalls { get; init; } = [];

    /// <summary>Overrides the finish_reason; null means the natural one (stop, tool_calls or length).</summary>
    public string? FinishReason { get; init; }

    /// <summary>Answer with this HTTP status instead of a completion.</summary>
    public int? ErrorStatus { get; init; }

    /// <summary>Raw error body; when null the message is wrapped in the flavor's error shape.</summary>
    public string? ErrorBody { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>Close the connection without sending anything.</summary>
    public bool DropConnection { get; init; }

    /// <summary>Close the connection after this many data chunks (no finish chunk, no [DONE], no terminating chunk).</summary>
    public int? CutAfterChunks { get; init; }

    /// <summary>Stop sending for StallFor after this many data chunks, then continue.</summary>
    public int? StallAfterChunks { get; init; }

    public TimeSpan StallFor { get; init; }

    /// <summary>Wait this long before anything is sent (before the response headers).</summary>
    public TimeSpan DelayBeforeResponse { get; init; }

    /// <summary>Send nothing (not even the response headers) until this task completes: a backend busy with one request
    /// for exactly as long as a test needs, so tests order events without a clock.</summary>
    public Task? HoldUntil { get; init; }

    /// <summary>Stream tool-call arguments in fragments (LM Studio's default) or whole (mlx's). Null: the flavor's way.</summary>
    public bool? FragmentToolArguments { get; init; }

    /// <summary>Per generated token delay for this reply, in microseconds; null uses the server option.</summary>
    public double? MicrosecondsPerToken { get; init; }

    /// <summary>Characters per streamed content/reasoning piece; default 4 (one fake token per chunk).</summary>
    public int? CharsPerChunk { get; init; }

    public static ScriptedReply WithText(string text) => new() { Text = text };

    public static ScriptedReply WithReasoning(string reasoning, string text) => new() { Reasoning = reasoning, Text = text };

    public static ScriptedReply WithToolCalls(params ScriptedToolCall[] calls) => new() { ToolCalls = calls };

    public static ScriptedReply WithError(int status, string message) => new() { ErrorStatus = status, ErrorMessage = message };

    public static ScriptedReply WithRawError(int status, string body) => new() { ErrorStatus = status, ErrorBody = body };

    public static ScriptedReply Drop() => new() { DropConnection = true };
}
