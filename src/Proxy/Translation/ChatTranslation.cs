using System.Buffers;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Proxy.Translation;

/// <summary>The engine's Anthropic Messages → Chat Completions request translation, for clients outside the engine that
/// send a recorded request straight to a backend (Measure-AnyClaudeCache -Replay -Direct): the bytes the proxy would send.</summary>
public static class ChatTranslation
{
    /// <summary>The Chat Completions body (streaming, usage included) the proxy would send <paramref name="backend"/> for this
    /// Anthropic request, with its own max_tokens. Throws <see cref="ArgumentException"/> when the body is no valid request.</summary>
    public static byte[] TranslateRequest(ReadOnlyMemory<byte> anthropicBody, BackendSettings backend)
    {
        try
        {
            using var request = MessagesRequest.Parse(anthropicBody);
            var output = new ArrayBufferWriter<byte>(anthropicBody.Length + 1024);
            ChatRequestTranslator.Write(request, BackendProfile.For(backend), request.MaxTokens, output);
            return output.WrittenSpan.ToArray();
        }
        catch (ApiException e)
        {
            throw new ArgumentException(e.Message, nameof(anthropicBody), e);
        }
    }
}
