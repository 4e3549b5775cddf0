namespace AnyClaude.Proxy.Configuration;

/// <summary>How a proxy starts. Every backend has settings; <see cref="Mode"/> picks the active one.</summary>
public sealed record ProxyOptions
{
    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>The token clients must present; null generates a random one.</summary>
    public string? Token { get; init; }

    /// <summary>The token the control endpoints (/anyclaude/…) require; null generates a random one. Must differ
    /// from <see cref="Token"/>.</summary>
    public string? ControlToken { get; init; }

    public BackendMode Mode { get; init; } = BackendMode.LmStudio;

    /// <summary>Settings per mode; modes missing here use <see cref="BackendSettings.Default"/>.</summary>
    public IReadOnlyDictionary<BackendMode, BackendSettings> Backends { get; init; } = new Dictionary<BackendMode, BackendSettings>();

    /// <summary>How often a ping event is sent while a backend is silent.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A backend that sends no byte (not even a keepalive) for this long before its first token is given up on.
    /// Prompt processing of a long prompt can take minutes, and LM Studio sends nothing meanwhile.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Once tokens flow, a backend silent for this long is given up on (a hung server then frees its slot
    /// for the requests queued behind it). <see cref="BackendSettings.StallTimeout"/> overrides it per mode.</summary>
    public TimeSpan GenerationStallTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>(before the first token, once tokens flow) for one backend: the per-mode value when set, and never a
    /// shorter wait for the first token than for the next one.</summary>
    public (TimeSpan FirstToken, TimeSpan Generation) StallLimits(BackendSettings backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (backend.StallTimeout is { } mode) return (mode > StallTimeout ? mode : StallTimeout, mode);
        return (StallTimeout, GenerationStallTimeout < StallTimeout ? GenerationStallTimeout : StallTimeout);
    }

    /// <summary>How long a backend may take to accept the TCP connection. Past it the client gets a 504
    /// timeout_error that says so (not a client hang-up).</summary>
    public TimeSpan BackendConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A client that announced a body and sends no byte of it for this long has its connection reset.</summary>
    public TimeSpan RequestBodyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A client whose request headers are still incomplete this long after their first byte gets 408 and its
    /// connection closed (Kestrel's RequestHeadersTimeout is 30 s too). Internal: the tests shorten it.</summary>
    internal TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many request records are kept in memory.</summary>
    public int HistorySize { get; init; } = 1000;

    /// <summary>Request bodies larger than this get 413 request_too_large.</summary>
    public long MaxRequestBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Optional JSONL trace file; one line per request.</summary>
    public string? TracePath { get; init; }

    public TraceLevel TraceLevel { get; init; } = TraceLevel.Basic;

    /// <summary>Write a state file (readable only by this user) so other processes of the same user can find
    /// and control this proxy; removed on stop.</summary>
    public bool PublishStateFile { get; init; }

    /// <summary>Right after the start, run the request path once off the user's path (a throwaway proxy in front of a
    /// canned in-process backend; nothing reaches the configured backends), so the first turn pays no JIT
    /// compilation. Start-AnyClaude turns it on.</summary>
    public bool WarmUp { get; init; }

    /// <summary>Prewarm the target of a /model switch (Claude Code's max_tokens 1 probe naming another mode than the
    /// main conversation's) with the main conversation, as Set-AnyClaudeMode -Prewarm does (Start-AnyClaude -Prewarm).</summary>
    public bool Prewarm { get; init; }

    /// <summary>After a sub-agent's request on a one-slot backend (EffectiveMaxConcurrency 1), warm the main
    /// conversation again before its next turn (reason AfterSubAgent). On by default; Start-AnyClaude -NoPrewarm
    /// and the config file's "warmStart": false turn it off.</summary>
    public bool PrewarmAfterSubAgents { get; init; } = true;

    public BackendSettings GetBackend(BackendMode mode) =>
        Backends.TryGetValue(mode, out var s) ? s : BackendSettings.Default(mode);
}

/// <summary>What a trace line holds.</summary>
public enum TraceLevel
{
    /// <summary>Request records only.</summary>
    Basic,
    /// <summary>Records plus request and response bodies (secrets redacted); the request body as sent to the backend,
    /// and Claude Code's original request as at <see cref="Replay"/>.</summary>
    Debug,
    /// <summary>Records plus Claude Code's original Anthropic request body of each /v1/messages request, before any
    /// translation (secrets redacted): what <c>Measure-AnyClaudeCache -Replay</c> sends again.</summary>
    Replay,
}
