namespace AnyClaude.FakeBackend;

/// <summary>Which real server the fake imitates.</summary>
public enum FakeFlavor
{
    /// <summary>LM Studio's OpenAI-compatible server (default port 1234): HTTP/1.1, keep-alive, chunked streams.</summary>
    LmStudio,

    /// <summary>mlx_lm.server (Python http.server): HTTP/1.0, close-delimited streams, keepalive comments.</summary>
    MlxLm,
}

/// <summary>How the fake behaves. Defaults follow the real servers; every quirk can be switched per test.</summary>
public sealed class FakeServerOptions
{
    public FakeFlavor Flavor { get; init; } = FakeFlavor.LmStudio;

    /// <summary>The loaded model (mlx: the --model argument; LM Studio: the one loaded model).</summary>
    public string Model { get; init; } = "qwen/qwen3-8b";

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>
    /// Context window in tokens. LM Studio: the loaded context length (default 32768), reported by /api/v0/models.
    /// mlx: emulates --max-prompt-tokens with the "error" overflow policy; null (default) means no limit, as in the real server.
    /// </summary>
    public int? ContextLength { get; init; }

    /// <summary>
    /// LM Studio only: also reject when prompt + max_tokens exceeds the context (off by default: the real server only
    /// fails when the prompt alone does not fit, and otherwise stops with finish_reason "length" when the window is full).
    /// </summary>
    public bool ContextCheckIncludesMaxTokens { get; init; }

    /// <summary>LM Studio: the model has no native tool support; calls come back as text in content (the prompt-based fallback).</summary>
    public bool ToolsUnsupported { get; init; }

    /// <summary>mlx: the server parses tool calls (mlx-lm ≥ 0.26 with a tool-capable model). Off: tools are ignored.</summary>
    public bool MlxToolCalling { get; init; }

    /// <summary>"Cache not working": every prompt is processed from scratch and cached_tokens is 0.</summary>
    public bool DisableCache { get; init; }

    /// <summary>Prompt cache entries kept (LRU). Default: mlx 10 (LRUPromptCache max_size), LM Studio one per slot
    /// (<see cref="Slots"/>; 1 when unset: one llama.cpp slot).</summary>
    public int? CacheEntries { get; init; }

    /// <summary>
    /// LM Studio: "Max Concurrent Predictions" (LM Studio 0.4 docs, app/advanced/parallel-requests: "By default, Max
    /// Concurrent Predictions is set to 4"; <c>lms load --parallel N</c>). At most this many chat completions are
    /// processed at once, the rest wait in line; each slot keeps its own prompt cache (llama.cpp keeps a KV cache per
    /// slot), so the cache holds this many entries. Null (the fake's default): the one-slot cache of LM Studio before
    /// 0.4 (or <c>--parallel 1</c>) without a queue, which the older tests rely on; tests of 0.4 set 4.
    /// </summary>
    public int? Slots { get; init; }

    /// <summary>
    /// mlx: continuous batching (mlx-lm server.py, <c>--prompt-concurrency</c> default 8, <c>--decode-concurrency</c>
    /// default 32): up to this many requests prefill together; the rest wait for a prefill place.
    /// </summary>
    public int MlxPromptConcurrency { get; init; } = 8;

    /// <summary>mlx: requests generating at once (<c>--decode-concurrency</c>, default 32); the rest wait.</summary>
    public int MlxDecodeConcurrency { get; init; } = 32;

    /// <summary>
    /// Multiplies every simulated wait (prefill and generation), so a test can run a server of a given speed (say the
    /// seed's ~2 ms per prompt token) faster than real time. Records keep the unscaled figure
    /// (<c>PromptProcessingMicroseconds</c>): what the real server would have taken. 1 = real time.
    /// </summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>Report usage.prompt_tokens_details.cached_tokens. Default: mlx yes (since 0.31), LM Studio no.</summary>
    public bool? ReportCachedTokens { get; init; }

    /// <summary>Simulated prompt-processing cost per UNCACHED prompt token, in microseconds (the server really waits this long).</summary>
    public double MicrosecondsPerPromptToken { get; init; } = 20;

    /// <summary>Simulated cost per generated token, in microseconds.</summary>
    public double MicrosecondsPerGeneratedToken { get; init; }

    /// <summary>mlx: a ": keepalive N/M" comment is sent after each prefill step of this many tokens (mlx's prefill_step_size is 2048).</summary>
    public int PrefillStepTokens { get; init; } = 2048;

    /// <summary>LM Studio: the delta field carrying reasoning; "reasoning" (newer) or "reasoning_content" (older builds).</summary>
    public string ReasoningField { get; init; } = "reasoning";

    /// <summary>
    /// LM Studio: argument fragments after the first also carry "name": "" (seen by clients of some LM Studio builds,
    /// e.g. 0xPlaygrounds/rig#423); a consumer must keep the name from the first fragment.
    /// </summary>
    public bool ToolFragmentsCarryEmptyName { get; init; }

    /// <summary>LM Studio: whether the model is loaded (/api/v0/models state). Requests still work (JIT load).</summary>
    public bool ModelLoaded { get; init; } = true;

    /// <summary>Other downloaded models listed by the models endpoints (not loaded). Settable while the server runs:
    /// a model the user downloads or loads later appears in the next listing, as in LM Studio.</summary>
    public IReadOnlyList<string> OtherModels { get; set; } = [];

    /// <summary>
    /// The chat template raises "System message must be at the beginning." for a system message after index 0,
    /// as Qwen's templates do. On by default; switch off to emulate a template that accepts them anywhere.
    /// </summary>
    public bool SystemMessageMustBeFirst { get; init; } = true;

    /// <summary>Tokens of the summary an automatic reply writes for Claude Code's summary request (its last user text
    /// opens "CRITICAL: Respond with TEXT ONLY" or asks to "create a detailed summary of the conversation"); 0 echoes
    /// it like any text. Real models write the &lt;analysis&gt; and &lt;summary&gt; blocks that instruction asks for,
    /// a few thousand tokens for a working session (issue 17's runs).</summary>
    public int SummaryTokens { get; init; }

    /// <summary>Tokens of reasoning written before that summary (a thinking model); cut by max_tokens like any output.</summary>
    public int SummaryReasoningTokens { get; init; }

    /// <summary>mlx: max_tokens used when the request has none (mlx_lm.server --max-tokens default).</summary>
    public int MlxDefaultMaxTokens { get; init; } = 512;

    internal int EffectiveCacheEntries => CacheEntries ?? (Flavor == FakeFlavor.MlxLm ? 10 : Math.Max(1, Slots ?? 1));

    internal bool EffectiveReportCachedTokens => ReportCachedTokens ?? Flavor == FakeFlavor.MlxLm;

    internal int? EffectiveContextLength => ContextLength ?? (Flavor == FakeFlavor.LmStudio ? 32768 : null);

    internal bool ToolCallingEnabled => Flavor == FakeFlavor.MlxLm ? MlxToolCalling : true;

    internal string FlavorName => Flavor == FakeFlavor.MlxLm ? "mlx-lm" : "lmstudio";
}
