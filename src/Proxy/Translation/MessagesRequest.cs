using System.Text.Json;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Proxy.Translation;

/// <summary>A parsed and validated Anthropic Messages request (owns its JsonDocument).</summary>
internal sealed class MessagesRequest : IDisposable
{
    // Claude Code tool schemas nest deeper than the default of 64 only in pathological cases,
    // but a legitimate request must never fail on depth alone.
    private static readonly JsonDocumentOptions s_options = new() { MaxDepth = 256 };

    private MessagesRequest(JsonDocument document) => Document = document;

    public JsonDocument Document { get; }
    public JsonElement Root => Document.RootElement;
    public string Model { get; private init; } = "";
    public bool Stream { get; private init; }
    /// <summary>max_tokens as sent (count_tokens bodies have none: 0).</summary>
    public int MaxTokens { get; private init; }
    /// <summary>Number of tool definitions sent (0 when none).</summary>
    public int ToolCount { get; private init; }
    public bool HasTools => ToolCount > 0;
    public int MessageCount { get; private init; }

    /// <summary>Parses and validates; throws ApiException 400 invalid_request_error naming the problem.
    /// requireMaxTokens is false for /v1/messages/count_tokens.</summary>
    public static MessagesRequest Parse(ReadOnlyMemory<byte> body, bool requireMaxTokens = true)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, s_options);
        }
        catch (JsonException e)
        {
            throw ApiException.InvalidRequest($"request body is not valid JSON: {e.Message}");
        }

        try
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw ApiException.InvalidRequest("request body: expected a JSON object");
            if (InvalidText.Find(body.Span, root) is { } field)
                throw ApiException.InvalidRequest(
                    $"{field}: the text is not valid UTF-8 or contains a lone surrogate (an escape from \\ud800 to \\udfff without its pair); send valid Unicode text");

            var model = RequestValidator.RequireString(root, "model");
            var messageCount = RequestValidator.ValidateMessages(root);
            var maxTokens = RequestValidator.ValidateMaxTokens(root, requireMaxTokens);
            var stream = RequestValidator.OptionalBool(root, "stream");
            RequestValidator.ValidateSystem(root);
            var toolCount = RequestValidator.ValidateTools(root);
            RequestValidator.ValidateToolChoice(root);
            RequestValidator.ValidateSampling(root);

            return new MessagesRequest(document)
            {
                Model = model,
                Stream = stream,
                MaxTokens = maxTokens,
                ToolCount = toolCount,
                MessageCount = messageCount,
            };
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    public void Dispose() => Document.Dispose();
}
