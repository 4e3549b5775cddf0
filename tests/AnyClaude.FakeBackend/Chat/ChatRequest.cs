namespace AnyClaude.FakeBackend.Chat;

/// <summary>A tool call carried in an assistant message of the history.</summary>
internal sealed record HistoryToolCall(string? Id, string Name, string Arguments);

internal sealed class ChatMessage
{
    public required string Role { get; init; }

    /// <summary>The text of the content (string, or text parts joined; image parts become "&lt;image&gt;").</summary>
    public required string Text { get; init; }

    public bool HasNonTextParts { get; init; }
    public IReadOnlyList<HistoryToolCall> ToolCalls { get; init; } = [];
}

/// <summary>The parts of a chat completion request the fake looks at.</summary>
internal sealed class ChatRequest
{
    /// <summary>The "model" field; null when absent.</summary>
    public string? Model { get; init; }

    public bool Stream { get; init; }

    /// <summary>Null when the request had no stream_options; otherwise its include_usage (null if the key is missing).</summary>
    public bool? IncludeUsage { get; init; }

    public bool HasStreamOptions { get; init; }

    /// <summary>max_completion_tokens or max_tokens; null when absent (LM Studio also treats -1 as "no limit").</summary>
    public int? MaxTokens { get; init; }

    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>Each tool exactly as sent (raw JSON), in order: the template renders these bytes.</summary>
    public IReadOnlyList<string> ToolsJson { get; init; } = [];

    public IReadOnlyList<string> ToolNames { get; init; } = [];

    /// <summary>tool_choice: null/"auto", "none", "required", or the name of a forced function (LM Studio honours it; mlx ignores it).</summary>
    public string? ToolChoice { get; init; }

    /// <summary>The function name forced by tool_choice {"type":"function","function":{"name":N}}.</summary>
    public string? ForcedTool { get; init; }

    public string? LastUserText
    {
        get
        {
            for (var i = Messages.Count - 1; i >= 0; i--)
            {
                if (Messages[i].Role == "user")
                {
                    return Messages[i].Text;
                }
            }
            return null;
        }
    }
}
