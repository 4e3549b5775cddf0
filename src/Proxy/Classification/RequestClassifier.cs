using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Classification;

/// <summary>
/// Tells a request's <see cref="RequestKind"/> from signals that do not depend on prompt prose: the role model ids
/// Start-AnyClaude gives Claude Code, max_tokens 1 probes, and conversation identity (system prompt + first message).
/// Per Claude Code session (X-Claude-Code-Session-Id), the first conversation with tools is the main one; a new
/// conversation that starts while the main one waits for a tool result is a sub-agent's, one that starts after the
/// main one finished its turn replaces it (/clear, compaction). Claude Code 2.1.x marks a sub-agent's requests with
/// x-claude-code-agent-id (sent only when the agent is not the main thread; docs/claude-code-footprint.md): with it
/// the request is SubAgent whatever the timing. Thread-safe.
/// </summary>
internal sealed class RequestClassifier
{
    private const int MaxSessions = 64;
    private readonly object _gate = new();
    private readonly Dictionary<string, SessionState> _sessions = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>The kind and conversation id of a /v1/messages request.</summary>
    public (RequestKind Kind, string ConversationId) Classify(string? sessionId, MessagesRequest request, string? agentId = null)
    {
        var conversation = ConversationId(request.Root);
        var model = request.Model;
        if (request.MaxTokens <= 1) return (RequestKind.Probe, conversation);
        if (string.Equals(model, RoleModelIds.Background, StringComparison.OrdinalIgnoreCase)) return (RequestKind.Background, conversation);
        // Claude Code launched without Start-AnyClaude (or older versions) sends side requests with haiku names and no tools.
        if (!request.HasTools && model.Contains("haiku", StringComparison.OrdinalIgnoreCase)) return (RequestKind.Background, conversation);
        if (string.Equals(model, RoleModelIds.SubAgent, StringComparison.OrdinalIgnoreCase)) return (RequestKind.SubAgent, conversation);

        lock (_gate)
        {
            var state = Session(sessionId ?? "");
            if (!string.IsNullOrEmpty(agentId) && state.Main != conversation)
            {
                if (state.SubAgents.Count > 256) state.SubAgents.Clear();
                state.SubAgents.Add(conversation);
                return (RequestKind.SubAgent, conversation);
            }
            if (state.Main is null || state.Main == conversation)
            {
                state.Main = conversation;
                return (RequestKind.Main, conversation);
            }
            if (state.SubAgents.Contains(conversation)) return (RequestKind.SubAgent, conversation);
            // Claude Code's side requests come without tools; its main and sub-agent conversations always have them.
            if (!request.HasTools) return (RequestKind.Background, conversation);
            // Claude Code's compacted conversation opens with its summary; it replaces the main one even when the
            // compaction came mid-turn, while the main conversation waited for a tool result.
            if (state.MainAwaitsTool && !IsContinuation(request.Root))
            {
                if (state.SubAgents.Count > 256) state.SubAgents.Clear();
                state.SubAgents.Add(conversation);
                return (RequestKind.SubAgent, conversation);
            }
            state.Main = conversation;
            state.MainAwaitsTool = false;
            return (RequestKind.Main, conversation);
        }
    }

    /// <summary>Notes how a finished request ended: a main turn that stopped for a tool call waits for its result.</summary>
    public void Observe(string? sessionId, RequestKind kind, string? conversationId, string? stopReason)
    {
        if (kind != RequestKind.Main || conversationId is null) return;
        lock (_gate)
        {
            var state = Session(sessionId ?? "");
            if (state.Main == conversationId) state.MainAwaitsTool = stopReason == "tool_use";
        }
    }

    /// <summary>The first message of a compacted conversation: "This session is being continued from a previous
    /// conversation…" (2.0.77, 2.1.197 and 2.1.332 alike).</summary>
    internal static bool IsContinuation(JsonElement root) =>
        root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0
        && messages[0].TryGetProperty("content", out var content)
        && ContentText.Join(content).Contains("This session is being continued from a previous conversation", StringComparison.Ordinal);

    private SessionState Session(string key)
    {
        if (_sessions.TryGetValue(key, out var state)) return state;
        if (_sessions.Count >= MaxSessions && _order.TryDequeue(out var oldest)) _sessions.Remove(oldest);
        state = new SessionState();
        _sessions[key] = state;
        _order.Enqueue(key);
        return state;
    }

    /// <summary>A short hash of the system prompt's text and the first message's role and text. Text, not JSON:
    /// Claude Code moves cache_control and may turn a text block into a plain string between turns.</summary>
    internal static string ConversationId(JsonElement root)
    {
        var text = new StringBuilder();
        if (root.TryGetProperty("system", out var system)) text.Append(ContentText.Join(system));
        text.Append('\u0001');
        if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0)
        {
            var first = messages[0];
            text.Append(ContentText.GetString(first, "role")).Append('\u0001');
            if (first.TryGetProperty("content", out var content)) text.Append(ContentText.Join(content));
        }
        // An identity, not a secret: a fast 128-bit hash of the chars (as the token counter's cache keys), 12 hex digits shown.
        var hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(text.ToString().AsSpan()));
        return ((ulong)(hash >> 64)).ToString("x16", CultureInfo.InvariantCulture)[..12];
    }

    private sealed class SessionState
    {
        public string? Main;
        public bool MainAwaitsTool;
        public readonly HashSet<string> SubAgents = new(StringComparer.Ordinal);
    }
}
