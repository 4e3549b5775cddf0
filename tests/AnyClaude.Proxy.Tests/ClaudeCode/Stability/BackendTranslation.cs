using System.Buffers;
using System.Text;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Stability;

/// <summary>The three ways the engine turns a Claude Code request into a backend request.</summary>
public enum BackendShape
{
    /// <summary>ChatRequestTranslator, LM Studio profile: tools sent natively.</summary>
    LmStudioChat,
    /// <summary>ChatRequestTranslator, MlxLm default profile: no tools, tool history rendered as text.</summary>
    MlxLmChat,
    /// <summary>AnthropicRequestNormalizer: native Anthropic pass-through.</summary>
    AnthropicNative,
}

internal static class BackendTranslation
{
    public const string LocalModel = "local-test-model";
    private const int MaxTokens = 8192;

    public static BackendRequestParts Translate(byte[] claudeCodeBody, BackendShape shape)
    {
        using var request = MessagesRequest.Parse(claudeCodeBody);
        var buffer = new ArrayBufferWriter<byte>();
        switch (shape)
        {
            case BackendShape.LmStudioChat:
                ChatRequestTranslator.Write(request, Profile(BackendMode.LmStudio), MaxTokens, buffer);
                return BackendRequestParts.FromChat(Encoding.UTF8.GetString(buffer.WrittenSpan));
            case BackendShape.MlxLmChat:
                ChatRequestTranslator.Write(request, Profile(BackendMode.MlxLm), MaxTokens, buffer);
                return BackendRequestParts.FromChat(Encoding.UTF8.GetString(buffer.WrittenSpan));
            case BackendShape.AnthropicNative:
                AnthropicRequestNormalizer.Write(request, LocalModel, buffer);
                return BackendRequestParts.FromAnthropic(Encoding.UTF8.GetString(buffer.WrittenSpan));
            default:
                throw new ArgumentOutOfRangeException(nameof(shape));
        }
    }

    /// <summary>The profile the host derives from each mode's built-in defaults.</summary>
    private static BackendProfile Profile(BackendMode mode) =>
        BackendProfile.For(BackendSettings.Default(mode) with { Model = LocalModel });
}
