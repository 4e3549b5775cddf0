using System.Buffers;

namespace AnyClaude.Proxy.Translation;

/// <summary>Anthropic request → Anthropic request for a native backend, normalised so that each turn's
/// request is a byte prefix-extension of the previous one (attribution line removed, string/single-text-block
/// content rendered alike, model rewritten).</summary>
internal static class AnthropicRequestNormalizer
{
    // STUB — the translation work replaces this file.
    public static void Write(MessagesRequest request, string? model, IBufferWriter<byte> output)
        => throw new NotImplementedException();
}
