using System.Buffers;
using System.Text;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Tests.ChatTemplates;

/// <summary>A way the engine writes chat requests, and the server that renders them.</summary>
internal sealed record TemplateMode(string Name, BackendSettings Settings, string Server)
{
    /// <summary>The chat request body the translator writes for a Claude Code request in this mode.</summary>
    public string Translate(byte[] claudeCodeBody)
    {
        using var request = MessagesRequest.Parse(claudeCodeBody);
        var buffer = new ArrayBufferWriter<byte>();
        ChatRequestTranslator.Write(request, BackendProfile.For(Settings), 4096, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>Every chat mode, with its built-in defaults: LM Studio and generic OpenAI servers render like
/// llama-server (LM Studio runs GGUF models on llama.cpp), mlx_lm.server like itself.</summary>
internal static class TemplateModes
{
    public const string LlamaServer = "llama-server";
    public const string MlxLmServer = "mlx_lm";

    public static readonly IReadOnlyList<TemplateMode> All =
    [
        new("LmStudio", BackendSettings.Default(BackendMode.LmStudio) with { Model = "m" }, LlamaServer),
        new("OpenAICompatible", BackendSettings.Default(BackendMode.OpenAICompatible) with { Model = "m" }, LlamaServer),
        new("MlxLm", BackendSettings.Default(BackendMode.MlxLm), MlxLmServer),
        new("MlxLmNative", BackendSettings.Default(BackendMode.MlxLm) with { ToolCalls = ToolCallMode.Native }, MlxLmServer),
        new("LmStudioToolHistoryText", BackendSettings.Default(BackendMode.LmStudio) with { Model = "m", ToolHistory = ToolHistoryMode.Text }, LlamaServer),
        new("MlxLmNativeToolHistoryText", BackendSettings.Default(BackendMode.MlxLm) with { ToolCalls = ToolCallMode.Native, ToolHistory = ToolHistoryMode.Text }, MlxLmServer),
    ];

    public static TemplateMode Named(string name) => All.Single(m => m.Name == name);
}
