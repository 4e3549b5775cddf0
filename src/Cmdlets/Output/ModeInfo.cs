using AnyClaude.Cmdlets.Configuration;

namespace AnyClaude.Cmdlets;

/// <summary>One mode's effective settings and where each came from, as Get-AnyClaudeMode emits it.</summary>
public sealed class ModeInfo
{
    public required string Mode { get; init; }
    /// <summary>The name ANYCLAUDE_MODE uses (lmstudio, mlx-lm, claude, ...).</summary>
    public required string Name { get; init; }
    /// <summary>True for the mode requests go to (the running proxy's, else the configured one).</summary>
    public required bool IsActive { get; init; }
    /// <summary>Where the active-mode choice came from (set on the active mode only).</summary>
    public ConfigSource? ModeSource { get; init; }
    public required Uri BaseUrl { get; init; }
    public required ConfigSource BaseUrlSource { get; init; }
    public string? Model { get; init; }
    public required ConfigSource ModelSource { get; init; }
    public required ToolCallSetting ToolCalls { get; init; }
    public required ConfigSource ToolCallsSource { get; init; }
    /// <summary>What happens to Claude Code's background requests in this mode: AnswerLocally, Forward, or the mode they are routed to.</summary>
    public string BackgroundRequests { get; init; } = "";
    /// <summary>Where Claude Code's sub-agent requests go in this mode: Forward (this mode's backend) or the mode they are routed to.</summary>
    public string SubAgentRequests { get; init; } = "";
    /// <summary>How earlier tool calls and results are sent when tools are on: Native, or Text for chat templates
    /// that reject role "tool" (docs/models.md).</summary>
    public ToolHistorySetting ToolHistory { get; init; }
    public ConfigSource ToolHistorySource { get; init; }
    /// <summary>How long the backend may stay silent once it generates (Set-AnyClaudeMode -StallTimeout,
    /// backends.&lt;mode&gt;.stallTimeout); null: the proxy's default.</summary>
    public TimeSpan? StallTimeout { get; init; }
    /// <summary>Whether an API key is configured (the key itself is never shown).</summary>
    public required bool HasApiKey { get; init; }
    public required ConfigSource ApiKeySource { get; init; }
    /// <summary>The config file consulted.</summary>
    public required string ConfigFile { get; init; }
}
