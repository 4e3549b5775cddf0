using System.Text.Json;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Proxy.Translation;

/// <summary>Shape checks for an Anthropic Messages body. Messages name the field the way the
/// Anthropic API does ("messages.3.content: ...") so users can find the problem.</summary>
internal static class RequestValidator
{
    public static string RequireString(JsonElement obj, string name, string? path = null)
    {
        var field = path is null ? name : $"{path}.{name}";
        if (!obj.TryGetProperty(name, out var value))
            throw ApiException.InvalidRequest($"{field}: Field required");
        if (value.ValueKind != JsonValueKind.String)
            throw ApiException.InvalidRequest($"{field}: expected a string");
        var text = value.GetString()!;
        if (path is null && text.Length == 0)
            throw ApiException.InvalidRequest($"{field}: must not be empty");
        return text;
    }

    public static bool OptionalBool(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return false;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiException.InvalidRequest($"{name}: expected a boolean"),
        };
    }

    public static int ValidateMaxTokens(JsonElement root, bool required)
    {
        if (!root.TryGetProperty("max_tokens", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                throw ApiException.InvalidRequest("max_tokens: Field required");
            return 0;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var maxTokens))
            throw ApiException.InvalidRequest("max_tokens: expected an integer");
        if (maxTokens < 1)
            throw ApiException.InvalidRequest("max_tokens: must be greater than or equal to 1");
        return maxTokens;
    }

    public static int ValidateMessages(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var messages))
            throw ApiException.InvalidRequest("messages: Field required");
        if (messages.ValueKind != JsonValueKind.Array)
            throw ApiException.InvalidRequest("messages: expected an array of messages");
        var i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = $"messages.{i}";
            if (message.ValueKind != JsonValueKind.Object)
                throw ApiException.InvalidRequest($"{path}: expected an object with role and content");
            var role = RequireString(message, "role", path);
            if (role is not ("user" or "assistant" or "system"))
                throw ApiException.InvalidRequest($"{path}.role: expected 'user', 'assistant' or 'system', got '{role}'");
            if (!message.TryGetProperty("content", out var content))
                throw ApiException.InvalidRequest($"{path}.content: Field required");
            ValidateContent(content, $"{path}.content");
            i++;
        }
        if (i == 0)
            throw ApiException.InvalidRequest("messages: at least one message is required");
        return i;
    }

    public static void ValidateSystem(JsonElement root)
    {
        if (!root.TryGetProperty("system", out var system) || system.ValueKind == JsonValueKind.Null)
            return;
        if (system.ValueKind == JsonValueKind.String)
            return;
        if (system.ValueKind != JsonValueKind.Array)
            throw ApiException.InvalidRequest("system: expected a string or an array of text blocks");
        var i = 0;
        foreach (var block in system.EnumerateArray())
        {
            var path = $"system.{i++}";
            if (block.ValueKind != JsonValueKind.Object)
                throw ApiException.InvalidRequest($"{path}: expected a text block");
            if (RequireString(block, "type", path) != "text")
                throw ApiException.InvalidRequest($"{path}.type: expected 'text'");
            RequireString(block, "text", path);
        }
    }

    public static int ValidateTools(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null)
            return 0;
        if (tools.ValueKind != JsonValueKind.Array)
            throw ApiException.InvalidRequest("tools: expected an array of tools");
        var i = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var path = $"tools.{i++}";
            if (tool.ValueKind != JsonValueKind.Object)
                throw ApiException.InvalidRequest($"{path}: expected a tool object");
            RequireString(tool, "name", path);
            if (tool.TryGetProperty("input_schema", out var schema) && schema.ValueKind != JsonValueKind.Object)
                throw ApiException.InvalidRequest($"{path}.input_schema: expected an object");
        }
        return i;
    }

    public static void ValidateToolChoice(JsonElement root)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind == JsonValueKind.Null)
            return;
        if (choice.ValueKind != JsonValueKind.Object)
            throw ApiException.InvalidRequest("tool_choice: expected an object");
        var type = RequireString(choice, "type", "tool_choice");
        switch (type)
        {
            case "auto" or "any" or "none":
                break;
            case "tool":
                RequireString(choice, "name", "tool_choice");
                break;
            default:
                throw ApiException.InvalidRequest($"tool_choice.type: expected 'auto', 'any', 'tool' or 'none', got '{type}'");
        }
    }

    public static void ValidateSampling(JsonElement root)
    {
        foreach (var name in (ReadOnlySpan<string>)["temperature", "top_p", "top_k"])
        {
            if (root.TryGetProperty(name, out var value)
                && value.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null))
                throw ApiException.InvalidRequest($"{name}: expected a number");
        }
        if (root.TryGetProperty("stop_sequences", out var stops) && stops.ValueKind != JsonValueKind.Null)
        {
            if (stops.ValueKind != JsonValueKind.Array)
                throw ApiException.InvalidRequest("stop_sequences: expected an array of strings");
            var i = 0;
            foreach (var stop in stops.EnumerateArray())
            {
                if (stop.ValueKind != JsonValueKind.String)
                    throw ApiException.InvalidRequest($"stop_sequences.{i}: expected a string");
                i++;
            }
        }
    }

    private static void ValidateContent(JsonElement content, string path)
    {
        if (content.ValueKind == JsonValueKind.String)
            return;
        if (content.ValueKind != JsonValueKind.Array)
            throw ApiException.InvalidRequest($"{path}: expected a string or an array of content blocks");
        var i = 0;
        foreach (var block in content.EnumerateArray())
            ValidateBlock(block, $"{path}.{i++}");
    }

    private static void ValidateBlock(JsonElement block, string path)
    {
        if (block.ValueKind != JsonValueKind.Object)
            throw ApiException.InvalidRequest($"{path}: expected a content block object");
        switch (RequireString(block, "type", path))
        {
            case "text":
                RequireString(block, "text", path);
                break;
            case "image":
            case "document":
                ValidateSource(block, path);
                break;
            case "tool_use":
                RequireString(block, "id", path);
                RequireString(block, "name", path);
                if (!block.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Object)
                    throw ApiException.InvalidRequest($"{path}.input: expected an object");
                break;
            case "tool_result":
                RequireString(block, "tool_use_id", path);
                if (block.TryGetProperty("content", out var result) && result.ValueKind != JsonValueKind.Null)
                    ValidateContent(result, $"{path}.content");
                if (block.TryGetProperty("is_error", out var isError)
                    && isError.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                    throw ApiException.InvalidRequest($"{path}.is_error: expected a boolean");
                break;
            case "thinking":
                RequireString(block, "thinking", path);
                break;
            // redacted_thinking, server tool blocks and future types pass through; the translator ignores
            // what it cannot render.
        }
    }

    private static void ValidateSource(JsonElement block, string path)
    {
        if (!block.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object)
            throw ApiException.InvalidRequest($"{path}.source: expected an object");
        var sourcePath = $"{path}.source";
        switch (RequireString(source, "type", sourcePath))
        {
            case "base64":
                RequireString(source, "media_type", sourcePath);
                RequireString(source, "data", sourcePath);
                break;
            case "url":
                RequireString(source, "url", sourcePath);
                break;
            case "text":
                RequireString(source, "data", sourcePath);
                break;
        }
    }
}
