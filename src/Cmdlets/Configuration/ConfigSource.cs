namespace AnyClaude.Cmdlets.Configuration;

/// <summary>Where an effective setting came from, strongest first.</summary>
public enum ConfigSource
{
    /// <summary>A cmdlet parameter.</summary>
    Parameter,
    /// <summary>An earlier Set-AnyClaudeMode in this pwsh session.</summary>
    Session,
    /// <summary>An environment variable (ANYCLAUDE_MODE, LMSTUDIO_URL, ...).</summary>
    Environment,
    /// <summary>The user's config file.</summary>
    ConfigFile,
    /// <summary>The built-in default.</summary>
    Default,
    /// <summary>The running proxy's current setting.</summary>
    Proxy,
}

/// <summary>A value and where it came from.</summary>
internal readonly record struct ConfigSetting<T>(T Value, ConfigSource Source);

/// <summary>How earlier tool calls and results reach the backend when tools are sent (mirrors the engine's
/// ToolHistoryMode).</summary>
public enum ToolHistorySetting
{
    /// <summary>As tool calls and role "tool" messages (what most chat templates expect).</summary>
    Native,
    /// <summary>As user/assistant text with strict alternation: for chat templates that reject role "tool"
    /// (Gemma 2/3) or require alternating roles (some Mistral builds). See docs/models.md.</summary>
    Text,
}

/// <summary>Whether tool definitions reach the backend (mirrors the engine's ToolCallMode so parameters
/// never make PowerShell load the engine just to bind).</summary>
public enum ToolCallSetting
{
    /// <summary>Tools are sent; the backend's tool calls come back to Claude Code.</summary>
    Native,
    /// <summary>Tools are not sent (analysis only).</summary>
    Off,
}

/// <summary>What Start-AnyClaude's trace holds (mirrors the engine's TraceLevel, so binding never loads the engine).</summary>
public enum TraceLevelSetting
{
    /// <summary>One record per request: kind, mode, model, time to first token, tokens.</summary>
    Basic,
    /// <summary>The records plus Claude Code's own request bodies before translation (secrets masked), for
    /// Measure-AnyClaudeCache -Replay.</summary>
    Replay,
    /// <summary>All of Replay plus the bodies sent to and received from the backend (secrets masked).</summary>
    Debug,
}
