using AnyClaude.Proxy.Classification;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Launch;

/// <summary>The environment changes Claude Code is launched with; the pwsh session's own stays untouched.</summary>
internal static class ClaudeEnvironment
{
    /// <summary>Model ids Claude Code sends when the backend's model is unknown; never a mode name,
    /// since the proxy routes a request whose model names a mode to that mode.</summary>
    public const string PlaceholderModel = ModeNames.PlaceholderModel;

    private static readonly string[] s_modelVariables =
    [
        "ANTHROPIC_MODEL",
        "ANTHROPIC_DEFAULT_OPUS_MODEL",
        "ANTHROPIC_DEFAULT_SONNET_MODEL",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL",
        "CLAUDE_CODE_SUBAGENT_MODEL",
    ];

    /// <summary>Variable → value; a null value removes the variable. claudeVersion (<see cref="ClaudeVersion.Of"/>) picks
    /// the version's compaction threshold (<see cref="CompactionEnvironment"/>).</summary>
    public static IReadOnlyDictionary<string, string?> For(Uri proxyBaseUrl, string token, BackendSettings backend, string? modelParameter, int? contextWindow = null,
        string? claudeVersion = null)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ANTHROPIC_BASE_URL"] = proxyBaseUrl.ToString().TrimEnd('/'),
            ["ANTHROPIC_AUTH_TOKEN"] = token,
            // Claude mode: the user's key stays with the proxy; claude only knows the proxy token.
            ["ANTHROPIC_API_KEY"] = null,
            ["CLAUDE_CODE_ATTRIBUTION_HEADER"] = "0",
            ["CLAUDE_CODE_TOTAL_TOKENS_REMINDER"] = "off",
            // Local prompt processing can take minutes on a first turn.
            ["API_TIMEOUT_MS"] = "3000000",
        };

        // The backends' keys stay with the proxy too: Claude Code passes its environment to every tool it runs.
        foreach (var mode in Enum.GetValues<BackendMode>())
        {
            if (Configuration.EnvironmentNames.ForBackend(mode) is { } names)
            {
                env[names.ApiKey] = null;
            }
        }

        var model = modelParameter ?? (backend.IsLocal ? backend.Model ?? PlaceholderModel : null);
        if (model is not null)
        {
            // Every model role (main, opus/sonnet/haiku aliases, sub-agents) reaches the proxy with one id.
            foreach (var name in s_modelVariables)
            {
                env[name] = model;
            }

            // A model that names a mode ("mlx-lm/qwen3-0.6b") picks that mode for every role alike: the proxy's own rule,
            // so "openai/gpt-oss-20b" (LM Studio's id for gpt-oss) is a model, not the openai mode.
            if (backend.IsLocal && !ModeNames.TryParseModelId(model, out _, out _))
            {
                // The small/fast and sub-agent roles get ids of their own, so their requests name their kind; the proxy
                // maps these ids back to the mode's model (AnyClaude.Proxy.Classification.RoleModelIds).
                env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] = RoleModelIds.Background;
                env["ANTHROPIC_SMALL_FAST_MODEL"] = RoleModelIds.Background;
                env["CLAUDE_CODE_SUBAGENT_MODEL"] = RoleModelIds.SubAgent;
            }
        }

        if (backend.IsLocal)
        {
            env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
            CompactionEnvironment.Apply(env, contextWindow, Environment.GetEnvironmentVariable, claudeVersion, backend.ContextPolicy);
        }

        return env;
    }
}
