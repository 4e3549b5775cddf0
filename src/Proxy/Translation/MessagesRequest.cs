using System.Text.Json;

namespace AnyClaude.Proxy.Translation;

/// <summary>A parsed and validated Anthropic Messages request (owns its JsonDocument).</summary>
internal sealed class MessagesRequest : IDisposable
{
    // STUB — the translation work replaces this file.
    private MessagesRequest(JsonDocument document) => Document = document;

    public JsonDocument Document { get; }
    public JsonElement Root => Document.RootElement;
    public string Model { get; private init; } = "";
    public bool Stream { get; private init; }
    /// <summary>max_tokens as sent (count_tokens bodies have none: 0).</summary>
    public int MaxTokens { get; private init; }

    /// <summary>Parses and validates; throws ApiException 400 invalid_request_error naming the problem.
    /// requireMaxTokens is false for /v1/messages/count_tokens.</summary>
    public static MessagesRequest Parse(ReadOnlyMemory<byte> body, bool requireMaxTokens = true) => throw new NotImplementedException();

    public void Dispose() => Document.Dispose();
}
