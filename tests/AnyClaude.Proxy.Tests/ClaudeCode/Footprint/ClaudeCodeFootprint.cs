namespace AnyClaude.Proxy.Tests.ClaudeCode.Footprint;

/// <summary>
/// Measured O200k tokens of Claude Code's system prompt plus tool definitions (first main-conversation request,
/// headless -p, attribution line on, not in a git repository), as recorded by <see cref="FootprintMeasurementTests"/>
/// against the capture server. See docs/claude-code-footprint.md. These feed the context-window warning of
/// Test-AnyClaudeBackend and the Claude-Code-sized prompts of the benchmarks: a model whose context window is
/// smaller than this plus the conversation cannot serve Claude Code at all.
/// </summary>
public static class ClaudeCodeFootprint
{
    /// <summary>Claude Code 2.1.197: system blocks + 24 tools.</summary>
    public const int SystemPlusToolsTokens_2_1_197 = 16_079;

    /// <summary>Claude Code 2.0.77: system blocks + 18 tools.</summary>
    public const int SystemPlusToolsTokens_2_0_77 = 15_348;

    /// <summary>Claude Code 2.1.197: the whole first request as ChatRequestTranslator sends it to LM Studio
    /// (system, role "system" entries, prompt, tools): what a local model must fit before it answers a word.</summary>
    public const int FirstTurnTokens_2_1_197 = 17_377;

    /// <summary>Claude Code 2.0.77: the whole first request as sent to LM Studio.</summary>
    public const int FirstTurnTokens_2_0_77 = 15_325;

    /// <summary>The expected system + tools figure for a pinned version.</summary>
    public static int SystemPlusToolsTokens(string version) => version switch
    {
        "2.1.197" => SystemPlusToolsTokens_2_1_197,
        "2.0.77" => SystemPlusToolsTokens_2_0_77,
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "not a pinned Claude Code version"),
    };

    /// <summary>The expected first-request figure (LM Studio rendering) for a pinned version.</summary>
    public static int FirstTurnTokens(string version) => version switch
    {
        "2.1.197" => FirstTurnTokens_2_1_197,
        "2.0.77" => FirstTurnTokens_2_0_77,
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "not a pinned Claude Code version"),
    };
}
