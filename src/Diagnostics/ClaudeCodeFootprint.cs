namespace AnyClaude.Diagnostics;

/// <summary>
/// The measured size of Claude Code's fixed prompt, in o200k_base tokens: the first main-conversation request of
/// Claude Code 2.1.197 (the newer pinned version), as recorded against a capture server. The numbers are copied
/// from docs/claude-code-footprint.md (measured by FootprintMeasurementTests; test constants in
/// tests/AnyClaude.Proxy.Tests/ClaudeCode/Footprint) and a test keeps the two in step.
/// </summary>
public static class ClaudeCodeFootprint
{
    /// <summary>The top-level system blocks.</summary>
    public const int SystemBlockTokens = 1_337;

    /// <summary>The role:"system" entry 2.1.x puts in messages (agent list, environment); sent to every backend.</summary>
    public const int SystemMessageTokens = 1_365;

    /// <summary>Everything the model reads before the conversation, tools aside.</summary>
    public const int SystemTokens = SystemBlockTokens + SystemMessageTokens;

    /// <summary>The raw JSON of the 24 tool definitions.</summary>
    public const int ToolTokens = 14_742;

    public const int ToolCount = 24;

    public const int RequestBytes = 76_374;

    public const int TotalTokens = SystemTokens + ToolTokens;

    /// <summary>Room for the conversation and the answer on top of the fixed prompt: a policy, not a measurement.
    /// A window smaller than prompt + this fills up within a few turns (with tools sent, a 32K window passes).</summary>
    public const int WorkingRoomTokens = 8_192;

    /// <summary>The context window Claude Code needs: the fixed prompt (tools only where they are sent) plus working room.</summary>
    public static int RequiredContextTokens(bool toolsSent) =>
        SystemTokens + (toolsSent ? ToolTokens : 0) + WorkingRoomTokens;
}
