namespace AnyClaude.Proxy.Configuration;

/// <summary>Everything the proxy needs to reach one backend. Immutable: a mode switch swaps the whole object.</summary>
public sealed record BackendSettings
{
    public required BackendMode Mode { get; init; }

    /// <summary>Base URL including the version segment, e.g. http://localhost:1234/v1 (Claude: https://api.anthropic.com).</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The backend's model id; null lets the backend choose (mlx_lm.server uses its loaded model).</summary>
    public string? Model { get; init; }

    /// <summary>Sent as Authorization: Bearer (OpenAI-style) or x-api-key (Anthropic-style). Never logged.</summary>
    public string? ApiKey { get; init; }

    public ToolCallMode ToolCalls { get; init; } = ToolCallMode.Native;

    /// <summary>The model's context window in tokens when known; max_tokens is clamped to fit it.</summary>
    public int? ContextWindow { get; init; }

    /// <summary>How many requests this backend serves at once; the rest wait (kept alive with pings).</summary>
    public int MaxConcurrency { get; init; } = 1;

    /// <summary>Silence allowed once the backend has started generating; null uses ProxyOptions.GenerationStallTimeout.
    /// (config file key backends.&lt;mode&gt;.stallTimeout)</summary>
    public TimeSpan? StallTimeout { get; init; }

    /// <summary>Extra headers sent with every backend request (generic OpenAI-compatible backends).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The built-in defaults for a mode.</summary>
    public static BackendSettings Default(BackendMode mode) => mode switch
    {
        BackendMode.LmStudio => new() { Mode = mode, BaseUrl = new Uri("http://localhost:1234/v1") },
        BackendMode.MlxLm => new() { Mode = mode, BaseUrl = new Uri("http://localhost:8081/v1"), ToolCalls = ToolCallMode.Off },
        BackendMode.Claude => new() { Mode = mode, BaseUrl = new Uri("https://api.anthropic.com"), MaxConcurrency = 16 },
        BackendMode.OpenAICompatible => new() { Mode = mode, BaseUrl = new Uri("http://localhost:8000/v1") },
        BackendMode.AnthropicCompatible => new() { Mode = mode, BaseUrl = new Uri("http://localhost:11434") },
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>True for backends on this machine (or the user's LAN): everything but Claude.</summary>
    public bool IsLocal => Mode != BackendMode.Claude;
}
