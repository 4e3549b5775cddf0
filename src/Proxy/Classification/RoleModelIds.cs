namespace AnyClaude.Proxy.Classification;

/// <summary>
/// The model ids Start-AnyClaude gives Claude Code's model roles, so requests name their role themselves.
/// The proxy never sends these ids to a backend: it maps them back to the model of the mode that serves them.
/// </summary>
public static class RoleModelIds
{
    /// <summary>The small/fast role (ANTHROPIC_DEFAULT_HAIKU_MODEL, ANTHROPIC_SMALL_FAST_MODEL): titles, topic
    /// detection, summaries.</summary>
    public const string Background = "anyclaude-background";

    /// <summary>CLAUDE_CODE_SUBAGENT_MODEL: the conversations of sub-agents.</summary>
    public const string SubAgent = "anyclaude-subagent";

    /// <summary>True for an id that names a role rather than a model.</summary>
    public static bool IsRoleId(string? model) =>
        string.Equals(model, Background, StringComparison.OrdinalIgnoreCase) || string.Equals(model, SubAgent, StringComparison.OrdinalIgnoreCase);
}
