using System.Text.Json.Nodes;
using AnyClaude.Diagnostics.Workload;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>
/// A growing conversation shaped like Claude Code's: each turn is the previous request plus the assistant's answer
/// and one new question, with cache_control on the newest user block (Claude Code moves it every turn).
/// </summary>
internal sealed class BenchmarkConversation(ClaudeCodeWorkload workload)
{
    private readonly List<(string Role, string Text)> _messages = [];

    public static IReadOnlyList<string> Questions { get; } =
    [
        "Give me a one-paragraph overview of how this project is organised.",
        "Which part of the code handles configuration, and where are its defaults?",
        "Are there obvious error-handling gaps in the request path?",
        "What would you test first if the streaming output looked truncated?",
        "Which functions are the hottest paths, judging by their callers?",
        "Is anything here not thread-safe that should be?",
        "Summarise the risks of changing the public API.",
        "Which dependency could we drop with the least effort?",
    ];

    public const string EditRequest = "Now make the change: rename the configuration loader to ConfigReader and update its callers.";

    public ClaudeCodeWorkload Workload { get; } = workload;
    public int Count => _messages.Count;

    public void Ask(string question) => _messages.Add(("user", question));

    public void Answer(string text) => _messages.Add(("assistant", text.Length == 0 ? "(no answer)" : text));

    /// <summary>What Claude Code uses as its model name; the proxy rewrites it to the backend's model.</summary>
    public const string ClaudeModel = "claude-sonnet-4-5";

    /// <summary>The request Claude Code would send to the proxy.</summary>
    public JsonObject AnthropicBody(string model, int maxTokens)
    {
        var messages = new JsonArray();
        for (var i = 0; i < _messages.Count; i++)
        {
            var (role, text) = _messages[i];
            var block = new JsonObject { ["type"] = "text", ["text"] = text };
            if (i == _messages.Count - 1)
                block["cache_control"] = new JsonObject { ["type"] = "ephemeral" };
            messages.Add(new JsonObject { ["role"] = role, ["content"] = new JsonArray(block) });
        }
        return new JsonObject
        {
            ["model"] = model,
            ["max_tokens"] = maxTokens,
            ["system"] = new JsonArray(new JsonObject
            {
                ["type"] = "text",
                ["text"] = Workload.SystemText,
                ["cache_control"] = new JsonObject { ["type"] = "ephemeral" },
            }),
            ["messages"] = messages,
            ["tools"] = Workload.AnthropicTools(),
            ["metadata"] = new JsonObject { ["user_id"] = "anyclaude-benchmark" },
            ["stream"] = true,
        };
    }

    /// <summary>The equivalent Chat Completions request, sent straight to the backend (tools only where the mode sends them).</summary>
    public JsonObject ChatBody(string? model, int maxTokens, bool includeTools)
    {
        var messages = new JsonArray(new JsonObject { ["role"] = "system", ["content"] = Workload.SystemText });
        foreach (var (role, text) in _messages)
            messages.Add(new JsonObject { ["role"] = role, ["content"] = text });
        var body = new JsonObject { ["messages"] = messages, ["max_tokens"] = maxTokens };
        if (model is not null) body["model"] = model;
        if (includeTools) body["tools"] = Workload.OpenAiTools();
        return body;
    }
}
