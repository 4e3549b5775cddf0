using System.Text.Json;

namespace AnyClaude.Proxy.Translation;

/// <summary>
/// Turns the Anthropic "messages" array into OpenAI chat messages. Each Anthropic message is rendered from
/// itself and earlier messages only (never later ones), so appending messages in the next turn never changes
/// the bytes of messages already sent: the backend's prefix cache stays valid.
/// </summary>
internal sealed class ChatMessageBuilder(BackendProfile profile)
{
    private const string ToolErrorPrefix = "[tool error] ";

    private readonly List<ChatMessage> _messages = [];
    // role:"system" text waiting for a user message to ride in (it came after an assistant turn or first).
    private readonly List<string> _pendingSystem = [];
    // tool_use id → tool name, for rendering results as text when tools are not sent.
    private readonly Dictionary<string, string> _toolNames = new(StringComparer.Ordinal);
    // Claude Code's tool ids → the 9-character ids chat templates accept.
    private readonly ToolCallIds _ids = new();

    public List<ChatMessage> Build(JsonElement messages)
    {
        foreach (var message in messages.EnumerateArray())
        {
            var content = message.GetProperty("content");
            switch (message.GetProperty("role").GetString())
            {
                case "user":
                    AddUser(content);
                    break;
                case "assistant":
                    AddAssistant(content);
                    break;
                case "system":
                    AddSystem(content);
                    break;
            }
        }
        FlushPendingSystem();
        if (!profile.NativeToolHistory)
            MergeSameRoleNeighbours();
        return _messages;
    }

    // Templates that reject role:"tool" (Gemma 2/3) also raise unless user and assistant strictly alternate. With
    // tool history as text, a message that follows one of the same role joins it. Each merge depends only on
    // earlier messages, so the next turn (which appends messages) renders the same merged history.
    private void MergeSameRoleNeighbours()
    {
        for (var i = _messages.Count - 1; i > 0; i--)
        {
            var earlier = _messages[i - 1];
            var later = _messages[i];
            if (earlier.Role != later.Role || earlier.Role is not ("user" or "assistant"))
                continue;
            earlier.Parts.AddRange(later.Parts);
            _messages.RemoveAt(i);
        }
    }

    // Claude Code 2.1.x puts environment, date, agent lists and reminders in role:"system" messages. Most chat
    // templates accept a system message only first and want user/assistant alternation, so the text rides in
    // the adjacent user turn, marked as a system reminder (the same convention Claude Code uses itself).
    private void AddSystem(JsonElement content)
    {
        var text = ContentText.Join(content);
        if (text.Length == 0)
            return;
        var marked = text.StartsWith("<system-reminder>", StringComparison.Ordinal)
            ? text
            : $"<system-reminder>\n{text}\n</system-reminder>";
        if (_messages.Count > 0 && _messages[^1].Role == "user" && _pendingSystem.Count == 0 && !_messages.Exists(m => m.Role == "assistant"))
            // The conversation's first user message: Claude Code 2.1.332 sends its environment after the user's first prompt.
            // Before the prompt, the head of every session in a folder (system, tools, reminders, environment) is one
            // prefix a backend can keep across sessions (warm start); it is sent in the same place every turn.
            _messages[^1].InsertBeforeOwnText(marked);
        else if (_messages.Count > 0 && _messages[^1].Role is "user" or "tool" && _pendingSystem.Count == 0)
            _messages[^1].AddText(marked); // after tool results it rides in the last result, as Claude Code 2.0 put it
        else
            _pendingSystem.Add(marked);
    }

    /// <summary>Before an assistant turn or at the end: waiting system text becomes a user message of its own.</summary>
    private void FlushPendingSystem()
    {
        if (_pendingSystem.Count > 0)
            _messages.Add(NewUser());
    }

    /// <summary>A user message that starts with any waiting system text.</summary>
    private ChatMessage NewUser()
    {
        var user = new ChatMessage("user");
        foreach (var text in _pendingSystem)
            user.AddText(text);
        _pendingSystem.Clear();
        return user;
    }

    private void AddUser(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            var user = NewUser();
            user.AddText(content.GetString()!);
            _messages.Add(user);
            return;
        }

        // tool_result blocks become role:"tool" messages, right after the assistant message that made the
        // calls and before the user's own text of the same message (OpenAI requires that order).
        ChatMessage? body = null;
        var sawToolMessage = false;
        foreach (var block in content.EnumerateArray())
        {
            var type = ContentText.GetString(block, "type");
            if (type == "tool_result" && profile.NativeToolHistory)
            {
                // Emitted at once: the user message body is added after the loop, so user text of the same
                // message (even text that came before the result) always follows the tool messages.
                var tool = new ChatMessage("tool") { ToolCallId = _ids.For(ContentText.GetString(block, "tool_use_id") ?? "") };
                tool.AddText(ToolResultText(block, ref body));
                _messages.Add(tool);
                sawToolMessage = true;
            }
            else if (type == "tool_result")
            {
                var text = ToolResultAsText(block, ref body);
                (body ??= NewUser()).AddText(text);
            }
            else
            {
                AddBodyBlock(block, body ??= NewUser());
            }
        }

        if (body is not null && (body.Parts.Count > 0 || !sawToolMessage))
            _messages.Add(body);
        else if (body is null && !sawToolMessage)
            _messages.Add(NewUser());
    }

    /// <summary>The text of a tool_result (is_error made visible); its images go to the user message body.</summary>
    private string ToolResultText(JsonElement block, ref ChatMessage? body)
    {
        var isError = block.TryGetProperty("is_error", out var e) && e.ValueKind == JsonValueKind.True;
        var text = "";
        if (block.TryGetProperty("content", out var content))
        {
            text = ContentText.Join(content);
            if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (var inner in content.EnumerateArray())
                {
                    if (!ContentText.IsType(inner, "image"))
                        continue;
                    if (profile.TextOnlyContent)
                    {
                        text = text.Length == 0 ? ContentText.ImageOmitted(profile.Mode) : $"{text}\n\n{ContentText.ImageOmitted(profile.Mode)}";
                        continue;
                    }
                    // Tool messages carry text only; the image follows in a user message, labelled.
                    body ??= NewUser();
                    if (ContentText.ImageUrl(inner) is { } url)
                    {
                        body.AddText($"[image from the result of {ToolName(block)}]");
                        body.Parts.Add(ChatPart.OfImage(url));
                    }
                }
            }
        }
        return isError ? ToolErrorPrefix + text : text;
    }

    private string ToolResultAsText(JsonElement block, ref ChatMessage? body) =>
        $"[result of {ToolName(block)}: {ToolResultText(block, ref body)}]";

    private string ToolName(JsonElement toolResult) =>
        ContentText.GetString(toolResult, "tool_use_id") is { } id && _toolNames.TryGetValue(id, out var name)
            ? name
            : "tool";

    private void AddBodyBlock(JsonElement block, ChatMessage body)
    {
        switch (ContentText.GetString(block, "type"))
        {
            case "text":
                body.AddText(ContentText.GetString(block, "text") ?? "");
                break;
            case "image":
                if (profile.TextOnlyContent)
                    body.AddText(ContentText.ImageOmitted(profile.Mode));
                else if (ContentText.ImageUrl(block) is { } url)
                    body.Parts.Add(ChatPart.OfImage(url));
                break;
            case "document":
                body.AddText(ContentText.Document(block, profile.Mode));
                break;
            // Other block types (thinking in user turns, server-tool blocks) have no chat equivalent.
        }
    }

    private void AddAssistant(JsonElement content)
    {
        FlushPendingSystem();
        var assistant = new ChatMessage("assistant");
        if (content.ValueKind == JsonValueKind.String)
        {
            assistant.AddText(content.GetString()!);
            _messages.Add(assistant);
            return;
        }
        foreach (var block in content.EnumerateArray())
        {
            switch (ContentText.GetString(block, "type"))
            {
                case "text":
                    assistant.AddText(ContentText.GetString(block, "text") ?? "");
                    break;
                case "tool_use":
                    AddToolUse(block, assistant);
                    break;
                // thinking / redacted_thinking: dropped. Local chat templates either strip earlier reasoning
                // themselves or would show it as visible text, the signature means nothing to them, and
                // leaving it out keeps the history identical whether or not the client sent it back.
            }
        }
        _messages.Add(assistant);
    }

    private void AddToolUse(JsonElement block, ChatMessage assistant)
    {
        var id = ContentText.GetString(block, "id") ?? "";
        var name = ContentText.GetString(block, "name") ?? "";
        _toolNames[id] = name;
        // The client's own bytes: re-serialising could reorder or re-escape and break the prefix cache.
        var arguments = block.TryGetProperty("input", out var input) ? input.GetRawText() : "{}";
        if (profile.NativeToolHistory)
            (assistant.ToolCalls ??= []).Add(new ChatToolCall(_ids.For(id), name, arguments));
        else
            assistant.AddText($"[called tool {name} with input {arguments}]");
    }
}
