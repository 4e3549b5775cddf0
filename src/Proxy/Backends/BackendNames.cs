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
