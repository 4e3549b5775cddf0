using System.Text.Json;
using AnyClaude.Proxy.Classification;

namespace AnyClaude.Proxy.Tests;

/// <summary>
/// Anthropic Messages request bodies for the tests that send one to the proxy or translate one: the one place a
/// conversation's JSON is put together (the shapes Claude Code sends; a test with a particular shape to prove writes
/// its messages out and passes them to <see cref="Request"/>).
/// </summary>
internal static class Conversation
{
    /// <summary>Claude Code's Bash tool, as a "tools" member.</summary>
    public const string Tools = "\"tools\":[{\"name\":\"Bash\",\"description\":\"Runs a command\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}},\"required\":[\"command\"]}}]";

    public static string User(string text) => $"{{\"role\":\"user\",\"content\":{JsonSerializer.Serialize(text)}}}";

    public static string Assistant(string text) => $"{{\"role\":\"assistant\",\"content\":{JsonSerializer.Serialize(text)}}}";

    /// <summary>A request: model, max_tokens, stream (null leaves it out), the messages (a JSON array's text), then
    /// any other top-level members (<paramref name="extra"/>, JSON members' text).</summary>
    public static string Request(string messages, string? extra = null, string model = "claude-sonnet-4-5", int maxTokens = 32000, bool? stream = true) =>
        $"{{\"model\":{JsonSerializer.Serialize(model)},\"max_tokens\":{maxTokens}"
        + (stream is { } s ? $",\"stream\":{(s ? "true" : "false")}" : "")
        + $",\"messages\":{messages}"
        + (string.IsNullOrWhiteSpace(extra) ? "" : "," + extra.Trim())
        + "}";

    /// <summary>One user message.</summary>
    public static string Ask(string text, bool stream = true, string model = "claude-sonnet-4-5", int maxTokens = 32000, string? extra = null) =>
        Request($"[{User(text)}]", extra, model, maxTokens, stream);

    /// <summary>A main turn as Claude Code sends it: its model placeholder, its system prompt, the Bash tool and the
    /// conversation so far (messages' JSON, oldest first).</summary>
    public static string Turn(string system, params string[] messages) =>
        Request($"[{string.Join(',', messages)}]", $"\"system\":{JsonSerializer.Serialize(system)},{Tools}", model: "anyclaude-local");

    /// <summary>What Claude Code sends when /model &lt;id&gt; is typed (2.1.197 and 2.1.332, seen in the TUI through
    /// tmux, before the user confirms the switch): a non-streaming one-token "Hi" naming the new model, no tools.</summary>
    public static string ModelProbe(string model) => Request($"[{User("Hi")}]", model: model, maxTokens: 1, stream: null);

    // The shape of Claude Code 2.1.197's session-title request (generateSessionTitle in its bundled code): no tools,
    // a structured-output schema with one "title" property, the user's text inside <session> tags.
    private const string TitleSchema = "{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"string\"}},\"required\":[\"title\"],\"additionalProperties\":false}}";

    /// <summary>Claude Code's session-title request for <paramref name="userText"/>.</summary>
    public static string TitleRequestBody(bool stream, string userText, string model = RoleModelIds.Background, bool schema = true) =>
        Request($"[{User($"<session>\n{userText}\n</session>\n\nWrite the title in the language the user wrote in.")}]",
            "\"system\":[{\"type\":\"text\",\"text\":\"Generate a concise, sentence-case title (3-7 words) that captures the main topic or goal of this coding session.\"}]"
            + (schema ? ",\"output_config\":{\"format\":" + TitleSchema + "}" : ""),
            model, 32000, stream);
}
