using System.Buffers;
using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Tests.Translation;

/// <summary>Shortcuts for translating a request body and reading the result.</summary>
internal static class TranslationTestKit
{
    public static BackendProfile LmStudio => BackendProfile.For(BackendSettings.Default(BackendMode.LmStudio));
    public static BackendProfile MlxLm => BackendProfile.For(BackendSettings.Default(BackendMode.MlxLm));
    public static BackendProfile MlxLmNativeTools =>
        BackendProfile.For(BackendSettings.Default(BackendMode.MlxLm) with { ToolCalls = ToolCallMode.Native });

    public static MessagesRequest Parse(string json, bool requireMaxTokens = true) =>
        MessagesRequest.Parse(Encoding.UTF8.GetBytes(json), requireMaxTokens);

    public static string ToChat(string json, BackendProfile profile, int maxTokens = 4096)
    {
        using var request = Parse(json);
        var buffer = new ArrayBufferWriter<byte>();
        ChatRequestTranslator.Write(request, profile, maxTokens, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static JsonElement ToChatJson(string json, BackendProfile profile, int maxTokens = 4096) =>
        JsonDocument.Parse(ToChat(json, profile, maxTokens)).RootElement;

    public static string Normalize(string json, string? model)
    {
        using var request = Parse(json);
        var buffer = new ArrayBufferWriter<byte>();
        AnthropicRequestNormalizer.Write(request, model, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A request body with the given messages (JSON array text) and optional extra top-level members.</summary>
    public static string Request(string messages, string extra = "") => Conversation.Request(messages, extra);

    public static JsonElement[] Messages(JsonElement chat) => [.. chat.GetProperty("messages").EnumerateArray()];

    public static string Content(JsonElement message) => message.GetProperty("content").GetString()!;
}
