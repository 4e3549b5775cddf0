using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>A recorded session replayed against one or more modes.</summary>
public sealed record ReplayOptions
{
    /// <summary>The recorded requests, in order (<see cref="ReplayTrace.Read"/>).</summary>
    public required IReadOnlyList<ReplayRequest> Requests { get; init; }

    /// <summary>The modes to replay against, one after another.</summary>
    public required IReadOnlyList<BackendMode> Modes { get; init; }

    /// <summary>Every mode's effective settings: the modes replayed, and any a background policy routes to.</summary>
    public required IReadOnlyDictionary<BackendMode, BackendSettings> Backends { get; init; }

    /// <summary>Straight at each backend's /v1/chat/completions, translated by the engine's translator; without it, through
    /// a private proxy per mode (its background policy applies, as in the user's sessions).</summary>
    public bool Direct { get; init; }

    /// <summary>Caps each request's max_tokens: the replay measures prompt processing, and the next recorded request carries
    /// the recorded answer anyway. Null keeps Claude Code's own max_tokens.</summary>
    public int? MaxOutputTokens { get; init; } = 64;

    /// <summary>Mark every request of a run with the run's own id in its system prompt, so a backend cannot serve the first
    /// requests from a cache an earlier replay (or the recorded session itself) left behind; within the run, requests share the
    /// mark, so caching works as in the session. False sends the bodies exactly as recorded.</summary>
    public bool ColdStart { get; init; } = true;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Per request; a cold Claude-Code-sized prompt can take minutes on a laptop.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(15);
}
