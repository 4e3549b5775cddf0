using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Backends;

/// <summary>Human names for modes and what to do when one is down.</summary>
internal static class BackendNames
{
    public static string Display(BackendMode mode) => mode switch
    {
        BackendMode.LmStudio => "LM Studio",
        BackendMode.MlxLm => "mlx_lm.server",
        BackendMode.Claude => "the Anthropic API",
        BackendMode.OpenAICompatible => "the OpenAI-compatible backend",
        BackendMode.AnthropicCompatible => "the Anthropic-compatible backend",
        _ => mode.ToString(),
    };

    /// <summary>Where the backend's key is set, for a 401/403: the setting to fix, never the key itself.</summary>
    public static string CredentialAdvice(BackendSettings backend)
    {
        var has = string.IsNullOrEmpty(backend.ApiKey) ? "The proxy sent no API key" : "The proxy's API key for this mode was refused";
        return backend.Mode switch
        {
            BackendMode.Claude => "Your Anthropic API key was refused: set ANTHROPIC_API_KEY (or backends.claude.apiKey in the AnyClaude config file) " +
                "in the pwsh that runs Start-AnyClaude, then restart it. Claude Code's own login is not involved.",
            BackendMode.LmStudio => $"{has}: set LMSTUDIO_API_KEY (or backends.lmstudio.apiKey in the AnyClaude config file) to the token LM Studio's " +
                "server requires (Developer tab → server settings → Require Authentication), then restart Start-AnyClaude.",
            BackendMode.MlxLm => $"{has}: set MLX_LM_API_KEY (or backends.mlx-lm.apiKey in the AnyClaude config file), then restart Start-AnyClaude.",
            BackendMode.OpenAICompatible => $"{has}: set backends.openai.apiKey in the AnyClaude config file, then restart Start-AnyClaude.",
            _ => $"{has}: set backends.anthropic-compatible.apiKey in the AnyClaude config file, then restart Start-AnyClaude.",
        };
    }

    /// <summary>What to do when the backend says the model is missing or not loaded.</summary>
    public static string ModelAdvice(BackendSettings backend, string? model) => backend.Mode switch
    {
        BackendMode.LmStudio => $"Load the model in LM Studio (`lms load {model ?? "<model>"}`) or pick a loaded one with Set-AnyClaudeMode LmStudio -Model <id> (`lms ls` lists them).",
        BackendMode.MlxLm => "Check the model mlx_lm.server was started with (--model <repo>) and the server's console for the cause.",
        _ => "Check the model name with Get-AnyClaudeMode and set it with Set-AnyClaudeMode -Model <id>.",
    };

    public static string StartAdvice(BackendSettings backend)
    {
        var port = backend.BaseUrl.Port;
        return backend.Mode switch
        {
            BackendMode.LmStudio => $"Start LM Studio's server on port {port} (Developer tab → Start Server, or `lms server start --port {port}`) and load a model.",
            BackendMode.MlxLm => $"Run `mlx_lm.server --port {port}` (add --model <repo> to choose the model).",
            BackendMode.Claude => "Check your network connection.",
            _ => $"Start the server at {backend.BaseUrl} or point the mode elsewhere with Set-AnyClaudeMode -BaseUrl.",
        };
    }
}
