using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>The environment variables users already set.</summary>
internal static class EnvironmentNames
{
    public const string Mode = "ANYCLAUDE_MODE";
    public const string Port = "ANYCLAUDE_PORT";
    public const string ConfigPath = "ANYCLAUDE_CONFIG";
    public const string AnthropicApiKey = "ANTHROPIC_API_KEY";

    /// <summary>URL, model and key variables of a mode; null for modes without such variables.</summary>
    public static (string Url, string Model, string ApiKey)? ForBackend(BackendMode mode) => mode switch
    {
        BackendMode.LmStudio => ("LMSTUDIO_URL", "LMSTUDIO_MODEL", "LMSTUDIO_API_KEY"),
        BackendMode.MlxLm => ("MLX_LM_URL", "MLX_LM_MODEL", "MLX_LM_API_KEY"),
        // Prefixed: a user's own OPENAI_API_KEY must not follow whatever URL this mode points at.
        BackendMode.OpenAICompatible => ("ANYCLAUDE_OPENAI_URL", "ANYCLAUDE_OPENAI_MODEL", "ANYCLAUDE_OPENAI_API_KEY"),
        BackendMode.AnthropicCompatible => ("ANYCLAUDE_ANTHROPIC_COMPATIBLE_URL", "ANYCLAUDE_ANTHROPIC_COMPATIBLE_MODEL", "ANYCLAUDE_ANTHROPIC_COMPATIBLE_API_KEY"),
        _ => null,
    };

    public static string? Read(string name)
    {
        var value = System.Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
