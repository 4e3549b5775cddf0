using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>One benchmark run: a conversation of <see cref="Turns"/> turns in one mode.</summary>
public sealed record CacheBenchmarkOptions
{
    /// <summary>The backend's effective settings (used directly with <see cref="Direct"/>, and for a private proxy).</summary>
    public required BackendSettings Backend { get; init; }

    /// <summary>The proxy to drive; null starts a private proxy configured with <see cref="Backend"/>.</summary>
    public ProxyEndpoint? Proxy { get; init; }

    /// <summary>Send the same turns straight to the backend's /v1/chat/completions instead of through the proxy.</summary>
    public bool Direct { get; init; }

    /// <summary>Turn 1 is cold; turns 2..N each append one short question.</summary>
    public int Turns { get; init; } = 5;

    /// <summary>Fixed prompt size in tokens (system + tools); null uses Claude Code's measured footprint.</summary>
    public int? PromptTokens { get; init; }

    /// <summary>max_tokens per turn: answers are kept short so prompt processing dominates, as in Claude Code's analysis turns.</summary>
    public int MaxOutputTokens { get; init; } = 64;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Per turn; a cold Claude-Code-sized prompt can take minutes on a laptop.</summary>
    public TimeSpan TurnTimeout { get; init; } = TimeSpan.FromMinutes(15);
}
