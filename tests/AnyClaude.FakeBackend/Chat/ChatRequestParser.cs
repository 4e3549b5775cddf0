using System.Text;
using System.Text.Json;

namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// Parses and validates a /v1/chat/completions body the way each real server does, in the same order, so that a
/// request the real server rejects is rejected here with the same status and wording.
/// </summary>
internal static class ChatRequestParser
{
    public static (ChatRequest? Request, FakeError? Error) Parse(byte[]? body, bool hadContentLength, FakeServerOptions options)
    {
        var mlx = options.Flavor == FakeFlavor.MlxLm;
        if (body is null || (mlx && !hadContentLength))
        {
            // mlx: int(self.headers["Content-Length"]) raises on a missing header -> the handler dies, no reply.
            return (null, mlx ? FakeError.Drop() : FakeError.LmStudio(400, "'messages' field is required"));
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            // mlx: 400 {"error": "Invalid JSON in request body: <json.JSONDecodeError>"} (server.py do_POST).
            return (null, mlx
                ? FakeError.Mlx(400, $"Invalid JSON in request body: {PythonJsonError(e)}")
                : FakeError.LmStudio(400, $"Unexpected token in JSON at position {e.BytePositionInLine ?? 0}"));
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, mlx ? FakeError.Drop() : FakeError.LmStudio(400, "Request body must be a JSON object"));
            }
            return mlx ? ParseMlx(root) : ParseLmStudio(root);
        }
    }

    private static (ChatRequest?, FakeError?) ParseMlx(JsonElement root)
    {
        // validate_model_parameters raises ValueError outside any try: the connection is dropped without a reply.
        var stream = false;
        if (root.TryGetProperty("stream", out var s))
        {
            if (s.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return (null, FakeError.Drop()); // "stream must be a boolean"
            }
            stream = s.GetBoolean();
        }
        int? maxTokens = null;
        var mt = root.TryGetProperty("max_completion_tokens", out var mct) && mct.ValueKind != JsonValueKind.Null ? mct
            : root.TryGetProperty("max_tokens", out var m) ? m : default;
        if (mt.ValueKind != JsonValueKind.Undefined)
        {
            if (mt.ValueKind != JsonValueKind.Number || !mt.TryGetInt32(out var v) || v < 0)
            {
                return (null, FakeError.Drop()); // "max_tokens must be a non-negative integer"
            }
            maxTokens = v;
        }
        string? model = null;
        if (root.TryGetProperty("model", out var mo))
        {
            if (mo.ValueKind != JsonValueKind.String)
            {
                return (null, FakeError.Drop()); // "model must be a string"
            }
            model = mo.GetString();
        }
        if (!root.TryGetProperty("messages", out var msgs) || msgs.ValueKind != JsonValueKind.Array)
        {
            return (null, FakeError.Drop()); // assert "messages" in body
        }

        var (messages, error) = ParseMessages(msgs, mlx: true);
        if (error is not null)
        {
            return (null, error);
        }
        var (toolsJson, toolNames) = ParseTools(root);
        var hasOptions = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object;
        return (new ChatRequest
        {
            Model = model,
            Stream = stream,
            HasStreamOptions = hasOptions,
            IncludeUsage = hasOptions && so.TryGetProperty("include_usage", out var iu) ? iu.ValueKind == JsonValueKind.True : null,
            MaxTokens = maxTokens,
            Messages = messages!,
            ToolsJson = toolsJson,
            ToolNames = toolNames,
        }, null);
    }

    private static (ChatRequest?, FakeError?) ParseLmStudio(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var msgs) || msgs.ValueKind != JsonValueKind.Array)
        {
            // LM Studio logs and answers "'messages' field is required".
            return (null, FakeError.LmStudio(400, "'messages' field is required", param: "messages"));
        }
        var (messages, error) = ParseMessages(msgs, mlx: false);
        if (error is not null)
        {
            return (null, error);
        }
        int? maxTokens = null;
        foreach (var name in (ReadOnlySpan<string>)["max_completion_tokens", "max_tokens"])
        {
            if (root.TryGetProperty(name, out var mt) && mt.ValueKind == JsonValueKind.Number && mt.TryGetInt32(out var v))
            {
                maxTokens = v < 0 ? null : v; // -1 means "until the context is full"
                break;
            }
        }
        var (toolsJson, toolNames) = ParseTools(root);
        var hasOptions = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object;
        string? toolChoice = null, forced = null;
        if (root.TryGetProperty("tool_choice", out var tc))
        {
            if (tc.ValueKind == JsonValueKind.String)
            {
                toolChoice = tc.GetString();
            }
            else if (tc.ValueKind == JsonValueKind.Object && tc.TryGetProperty("function", out var fn) && fn.TryGetProperty("name", out var fnName))
            {
                toolChoice = "required";
                forced = fnName.GetString();
            }
        }
        return (new ChatRequest
        {
            ToolChoice = toolChoice,
            ForcedTool = forced,
            Model = root.TryGetProperty("model", out var mo) && mo.ValueKind == JsonValueKind.String ? mo.GetString() : null,
            Stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True,
            HasStreamOptions = hasOptions,
            IncludeUsage = hasOptions && so.TryGetProperty("include_usage", out var iu) ? iu.ValueKind == JsonValueKind.True : null,
            MaxTokens = maxTokens,
            Messages = messages!,
            ToolsJson = toolsJson,
            ToolNames = toolNames,
        }, null);
    }

    private static (List<ChatMessage>?, FakeError?) ParseMessages(JsonElement msgs, bool mlx)
    {
        var list = new List<ChatMessage>();
        foreach (var msg in msgs.EnumerateArray())
        {
            var role = msg.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "";
            var text = new StringBuilder();
            var nonText = false;
            if (msg.TryGetProperty("content", out var content))
            {
                if (content.ValueKind == JsonValueKind.String)
                {
                    text.Append(content.GetString());
                }
                else if (content.ValueKind == JsonValueKind.Array)
                {
                    foreach (var part in content.EnumerateArray())
                    {
                        var type = part.TryGetProperty("type", out var t) ? t.GetString() : null;
                        if (type == "text" && part.TryGetProperty("text", out var pt))
                        {
                            text.Append(pt.GetString());
                        }
                        else
                        {
                            nonText = true;
                            text.Append("<image>");
                        }
                    }
                }
            }
            if (nonText && mlx)
            {
                // process_message_content raises ValueError inside the generation thread -> handle_completion answers 500.
                return (null, FakeError.Mlx(500, "Only 'text' content type is supported."));
            }

            var calls = new List<HistoryToolCall>();
            if (msg.TryGetProperty("tool_calls", out var tcs) && tcs.ValueKind == JsonValueKind.Array)
            {
                foreach (var tc in tcs.EnumerateArray())
                {
                    var fn = tc.TryGetProperty("function", out var f) ? f : default;
                    var name = fn.ValueKind == JsonValueKind.Object && fn.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                    var args = "";
                    if (fn.ValueKind == JsonValueKind.Object && fn.TryGetProperty("arguments", out var a))
                    {
                        if (a.ValueKind == JsonValueKind.String)
                        {
                            args = a.GetString()!;
                            if (mlx && args.Length > 0 && !IsValidJson(args, out var why))
                            {
                                // process_message_content: func["arguments"] = json.loads(args) -> JSONDecodeError -> 500.
                                return (null, FakeError.Mlx(500, why));
                            }
                        }
                        else if (a.ValueKind != JsonValueKind.Null)
                        {
                            if (mlx)
                            {
                                return (null, FakeError.Mlx(500, $"the JSON object must be str, bytes or bytearray, not {PythonTypeName(a)}"));
                            }
                            args = a.GetRawText();
                        }
                    }
                    calls.Add(new HistoryToolCall(tc.TryGetProperty("id", out var id) ? id.GetString() : null, name, args));
                }
            }
            list.Add(new ChatMessage { Role = role, Text = text.ToString(), HasNonTextParts = nonText, ToolCalls = calls });
        }
        return (list, null);
    }

    private static (List<string>, List<string>) ParseTools(JsonElement root)
    {
        var json = new List<string>();
        var names = new List<string>();
        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in tools.EnumerateArray())
            {
                json.Add(t.GetRawText());
                if (t.TryGetProperty("function", out var f) && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
                {
                    names.Add(n.GetString()!);
                }
            }
        }
        return (json, names);
    }

    private static bool IsValidJson(string text, out string pythonError)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            pythonError = "";
            return true;
        }
        catch (JsonException e)
        {
            pythonError = PythonJsonError(e);
            return false;
        }
    }

    /// <summary>Approximates Python's JSONDecodeError text ("Expecting value: line 1 column 1 (char 0)").</summary>
    private static string PythonJsonError(JsonException e)
    {
        var line = (e.LineNumber ?? 0) + 1;
        var column = (e.BytePositionInLine ?? 0) + 1;
        return $"Expecting value: line {line} column {column} (char {column - 1})";
    }

    private static string PythonTypeName(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "dict",
        JsonValueKind.Array => "list",
        JsonValueKind.Number => "int",
        _ => "bool",
    };
}
