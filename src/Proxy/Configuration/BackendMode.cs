namespace AnyClaude.Proxy.Configuration;

/// <summary>Where the proxy sends a request.</summary>
public enum BackendMode
{
    /// <summary>LM Studio's OpenAI-compatible server (default http://localhost:1234/v1). Tool calling works.</summary>
    LmStudio,
    /// <summary>mlx_lm.server (default http://localhost:8081/v1). Analysis-only by default: tools are not sent.</summary>
    MlxLm,
    /// <summary>The real Anthropic API, with the user's own credentials.</summary>
    Claude,
    /// <summary>Any OpenAI Chat Completions server (URL, optional API key and headers).</summary>
    OpenAICompatible,
    /// <summary>A local server that speaks the Anthropic Messages API itself (LM Studio ≥ 0.4.1, Ollama, llama-server, vLLM).</summary>
    AnthropicCompatible,
}

/// <summary>Whether tool definitions reach the backend.</summary>
public enum ToolCallMode
{
    /// <summary>Tools are sent; the backend's native tool calls come back as tool_use blocks.</summary>
    Native,
    /// <summary>Tools are not sent; earlier tool calls and results are rendered as plain text.</summary>
    Off,
}

/// <summary>What the proxy does with a main turn that does not fit the backend's context window (config file key
/// backends.&lt;mode&gt;.contextPolicy). A summary request (Claude Code's compaction) is always made to fit.</summary>
public enum ContextPolicyMode
{
    /// <summary>Shorten the oldest tool results, re-attached files and thinking with a visible marker, the same cut on
    /// every later turn (the backend's prefix cache keeps working); refuse only what nothing can make fit.</summary>
    Elide,
    /// <summary>Answer Anthropic's 400 "prompt is too long" (Claude Code then compacts by itself): the behaviour before 0.x.</summary>
    Refuse,
}

/// <summary>How earlier tool calls and results are written into the chat history when tools are sent.</summary>
public enum ToolHistoryMode
{
    /// <summary>As OpenAI tool_calls on assistant messages and role:"tool" messages (what most chat templates expect).</summary>
    Native,
    /// <summary>As plain text in user/assistant turns, consecutive same-role messages merged: for chat templates that
    /// reject role:"tool" or require strict user/assistant alternation (Gemma 2/3, some Mistral builds).</summary>
    Text,
}

/// <summary>The names users already know (ANYCLAUDE_MODE=lmstudio|mlx-lm|claude) and the PascalCase ones.</summary>
public static class ModeNames
{
    private static readonly Dictionary<string, BackendMode> s_byName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lmstudio"] = BackendMode.LmStudio,
        ["lm-studio"] = BackendMode.LmStudio,
        ["mlx-lm"] = BackendMode.MlxLm,
        ["mlxlm"] = BackendMode.MlxLm,
        ["mlx"] = BackendMode.MlxLm,
        ["claude"] = BackendMode.Claude,
        ["anthropic"] = BackendMode.Claude,
        ["openai"] = BackendMode.OpenAICompatible,
        ["openai-compatible"] = BackendMode.OpenAICompatible,
        ["openaicompatible"] = BackendMode.OpenAICompatible,
        ["anthropic-compatible"] = BackendMode.AnthropicCompatible,
        ["anthropiccompatible"] = BackendMode.AnthropicCompatible,
    };

    /// <summary>Parses a mode name or alias; false when it names no mode.</summary>
    public static bool TryParse(string? text, out BackendMode mode)
    {
        mode = default;
        return text is not null && s_byName.TryGetValue(text.Trim(), out mode);
    }

    /// <summary>Parses the first segment of "&lt;mode&gt;/&lt;model&gt;". Only names no model hub uses count: "openai/…" is LM
    /// Studio's and Hugging Face's namespace for gpt-oss, "anthropic/…" OpenRouter's for Claude, "mlx/…" could be a repo
    /// owner, so those short aliases pick a mode only as a whole model name.</summary>
    public static bool TryParsePrefix(string? text, out BackendMode mode)
    {
        mode = default;
        return text is not null && !s_notPrefixes.Contains(text.Trim()) && TryParse(text, out mode);
    }

    private static readonly HashSet<string> s_notPrefixes = new(StringComparer.OrdinalIgnoreCase) { "openai", "anthropic", "mlx" };

    /// <summary>The one rule for "this model id names a mode", asked by the proxy's router and by Start-AnyClaude's
    /// launch environment: a mode name or alias as a whole ("lmstudio", "mlx", "openai"), or "&lt;mode&gt;/&lt;model&gt;" and
    /// "&lt;mode&gt;/" with a mode name no model hub uses (<see cref="TryParsePrefix"/>). model: what follows the slash;
    /// null when the id names the mode alone (the mode's configured model).</summary>
    public static bool TryParseModelId(string? id, out BackendMode mode, out string? model)
    {
        model = null;
        if (TryParse(id, out mode)) return true;
        var slash = id is null ? -1 : id.IndexOf('/');
        if (slash <= 0 || !TryParsePrefix(id![..slash], out mode)) return false;
        if (slash < id.Length - 1) model = id[(slash + 1)..];
        return true;
    }

    /// <summary>The model id Start-AnyClaude gives Claude Code when the local mode has no model configured; the
    /// proxy reads it as "the configured model".</summary>
    public const string PlaceholderModel = "anyclaude-local";

    /// <summary>The lower-case name ANYCLAUDE_MODE uses for a mode.</summary>
    public static string ToEnvironmentName(BackendMode mode) => mode switch
    {
        BackendMode.LmStudio => "lmstudio",
        BackendMode.MlxLm => "mlx-lm",
        BackendMode.Claude => "claude",
        BackendMode.OpenAICompatible => "openai",
        BackendMode.AnthropicCompatible => "anthropic-compatible",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>Every accepted name, for completion and error messages.</summary>
    public static IReadOnlyCollection<string> All => s_byName.Keys;
}
