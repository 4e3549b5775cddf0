namespace AnyClaude.Proxy.Observability;

/// <summary>What a request is for, in Claude Code's terms. Cache figures of main turns are reported on their own:
/// side requests are small and would blur them.</summary>
public enum RequestKind
{
    /// <summary>A turn of the user's main conversation.</summary>
    Main,
    /// <summary>Claude Code's small/fast-model work: session titles, topic detection, summaries, path or command-prefix extraction.</summary>
    Background,
    /// <summary>A turn of a sub-agent's own conversation (Task/Agent tool).</summary>
    SubAgent,
    /// <summary>A tiny check such as /model's one-token "Hi" (max_tokens 1).</summary>
    Probe,
    /// <summary>POST /v1/messages/count_tokens: counted by the proxy, no backend work.</summary>
    CountTokens,
    /// <summary>A max_tokens 1 request the proxy itself sent to warm a backend's prompt cache.</summary>
    Prewarm,
    /// <summary>Claude Code's summary request (compaction): the conversation with its summary instruction appended;
    /// made to fit the window with room for the summary, never refused on size.</summary>
    Compaction,
}
