using System.Buffers;

namespace AnyClaude.Proxy.Translation;

/// <summary>Anthropic Messages request → OpenAI Chat Completions request body.</summary>
internal static class ChatRequestTranslator
{
    // STUB — the translation work replaces this file.
    /// <summary>Writes the backend request JSON (always stream: true with include_usage) to output.
    /// maxTokens is already clamped by the host to the context window.</summary>
    public static void Write(MessagesRequest request, BackendProfile profile, int maxTokens, IBufferWriter<byte> output)
        => throw new NotImplementedException();
}
