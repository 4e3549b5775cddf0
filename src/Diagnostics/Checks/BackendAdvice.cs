using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Checks;

/// <summary>What to tell the user for each kind of failure, per mode.</summary>
internal static class BackendAdvice
{
    public static string StartServer(BackendSettings s) => s.Mode switch
    {
        BackendMode.LmStudio =>
            $"Start LM Studio's local server (Developer tab → Start Server, or `lms server start --port {s.BaseUrl.Port}`), or point LMSTUDIO_URL / -BaseUrl at the right address.",
        BackendMode.MlxLm =>
            $"Start it with `mlx_lm.server --model <model> --port {s.BaseUrl.Port}`, or point MLX_LM_URL / -BaseUrl at the right address.",
        _ => $"Start the server at {s.BaseUrl} or correct the backend URL (-BaseUrl).",
    };

    public static string LoadModel(BackendSettings s, string? model) => s.Mode switch
    {
        BackendMode.LmStudio =>
            $"Load the model in LM Studio (`lms load {model ?? "<model>"}`), or set LMSTUDIO_MODEL / -Model to a model it lists.",
        BackendMode.MlxLm =>
            "Set MLX_LM_MODEL / -Model to the model mlx_lm.server was started with (or leave it empty): any other name makes the server try to download it from Hugging Face.",
        _ => "Set -Model to a model the server lists.",
    };

    public static string RaiseContext(BackendSettings s, int required) => s.Mode switch
    {
        BackendMode.LmStudio =>
            $"Reload the model with a context length of at least {required} tokens (model settings → Context Length, or `lms load <model> --context-length {required}`).",
        BackendMode.MlxLm =>
            $"Use a model whose context window holds at least {required} tokens.",
        _ => $"Configure the backend with a context window of at least {required} tokens.",
    };

    public static string NoToolSupport(BackendSettings s) => s.Mode == BackendMode.MlxLm
        ? "Native tool calling needs mlx-lm ≥ 0.26 and a model whose chat template supports tools; otherwise set -ToolCalls Off (the default for MlxLm)."
        : "Load a model with native tool-use support (LM Studio shows a hammer icon), or set -ToolCalls Off for analysis-only use.";

    public static string Cache(BackendSettings s) => s.Mode switch
    {
        BackendMode.MlxLm =>
            "Use mlx-lm ≥ 0.31 (it reports cached tokens) and keep its prompt cache enabled (--prompt-cache-size > 0); another client's requests can evict the cached conversation.",
        BackendMode.LmStudio =>
            "Keep the model loaded between requests and avoid other clients using it at the same time; LM Studio reuses its cache only for an exact prompt prefix.",
        _ => "Check that the server's prompt cache is enabled.",
    };
}
