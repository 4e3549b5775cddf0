using AnyClaude.Diagnostics;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Footprint;

/// <summary>
/// What <see cref="FootprintMeasurementTests"/> expects to measure for each pinned Claude Code version (first
/// main-conversation request, headless -p, attribution line on, not in a git repository; o200k tokens). The one
/// footprint the product uses is <see cref="ClaudeCodeFootprint"/> (Claude Code 2.1.197), so that version's figure is
/// read from there, never written twice; the older version's figures are kept here only to notice their drift.
/// See docs/claude-code-footprint.md.
/// </summary>
public static class PinnedVersionFootprints
{
    /// <summary>System blocks + tool definitions.</summary>
    public static int SystemPlusToolsTokens(string version) => version switch
    {
        "2.1.197" => ClaudeCodeFootprint.SystemBlockTokens + ClaudeCodeFootprint.ToolTokens,
        "2.0.77" => 15_348, // 18 tools
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "not a pinned Claude Code version"),
    };

    /// <summary>The whole first request as ChatRequestTranslator sends it to LM Studio (system, role "system"
    /// entries, prompt, tools): what a local model must fit before it answers a word.</summary>
    public static int FirstTurnTokens(string version) => version switch
    {
        "2.1.197" => 17_377,
        "2.0.77" => 15_325,
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "not a pinned Claude Code version"),
    };
}
