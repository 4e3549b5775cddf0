namespace AnyClaude.Proxy.Diagnostics;

/// <summary>
/// The measured size of Claude Code's fixed prompt, in o200k_base tokens. Measured on 2026-11-24 by recording the
/// first request of `claude -p hi` (Claude Code 2.1.197, CLAUDE_CODE_ATTRIBUTION_HEADER=0, in a git repository) with
/// a capture server: 76,479 bytes; system blocks 1,364 tokens plus a role:"system" environment message of 1,365
/// tokens; 24 tools whose JSON is 14,747 tokens. See docs/benchmarks.md ("Claude Code's footprint") and
/// docs/claude-code-footprint.md for how it was measured.
/// </summary>
public static class ClaudeCodeFootprint
{
    /// <summary>System prompt blocks plus the environment carried in role:"system" messages.</summary>
    public const int SystemTokens = 1_364 + 1_365;

    /// <summary>The JSON of the tool definitions.</summary>
    public const int ToolTokens = 14_747;

    public const int ToolCount = 24;

    public const int RequestBytes = 76_479;

    public const int TotalTokens = SystemTokens + ToolTokens;

    /// <summary>Room for the conversation and the answer on top of the fixed prompt: a policy, not a measurement.
    /// A window smaller than prompt + this fills up within a few turns (with tools sent, a 32K window passes).</summary>
    public const int WorkingRoomTokens = 8_192;

    /// <summary>The context window Claude Code needs: the fixed prompt (tools only where they are sent) plus working room.</summary>
    public static int RequiredContextTokens(bool toolsSent) =>
        SystemTokens + (toolsSent ? ToolTokens : 0) + WorkingRoomTokens;
}
