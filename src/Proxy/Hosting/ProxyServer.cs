using System.Net;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Forwarding;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Routing;
using AnyClaude.Proxy.Security;

namespace AnyClaude.Proxy.Hosting;

/// <summary>
/// The public face of the engine: one loopback HTTP listener serving the Anthropic Messages API
/// and forwarding to the active backend. Thread-safe. Never calls back into its host.
/// </summary>
public sealed class ProxyServer : IAsyncDisposable, IDisposable
{
    private readonly HttpListener _listener;
    private readonly ProxyOptions _options;
    private readonly ModeTable _modes;
    private readonly RecordHistory _history;
    private readonly BackendServices _backends;
    private readonly TraceWriter? _trace;
    private readonly RequestDispatcher _dispatcher;
    private readonly Prewarm.Prewarmer _prewarmer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly object _inFlightGate = new();
    private readonly HashSet<Task> _inFlight = [];
    private readonly string? _stateFile;
    private readonly StatusLine? _statusLine;
    private readonly SessionRecords? _sessionRecords;
    private readonly ListenerHeaderTimeout _headerTimeout;
    private Task? _stopTask;

    private ProxyServer(ProxyOptions options, LoopbackBinding binding)
    {
        _options = options;
        _listener = binding.Listener;
        var port = binding.Port;
        _backends = new BackendServices(options.BackendConnectTimeout);
        Port = port;
        Token = string.IsNullOrEmpty(options.Token) ? ProxyToken.Generate() : options.Token;
        ControlToken = string.IsNullOrEmpty(options.ControlToken) ? ProxyToken.Generate() : options.ControlToken;
        BaseUrl = binding.BaseUrl;
        StartedAt = DateTimeOffset.UtcNow;
        _modes = new ModeTable(ModeSnapshot.From(options));
        _history = new RecordHistory(options.HistorySize);
        _trace = options.TracePath is null ? null : new TraceWriter(options.TracePath);
        _prewarmer = new Prewarm.Prewarmer(_backends, _history, options);
        _dispatcher = new RequestDispatcher(this, options, new RequestGuard(Token, ControlToken), _modes, _backends, _history, _trace, _prewarmer);
        if (options.PublishStateFile)
        {
            _stateFile = ProxyStateFile.Write(new ProxyState(Environment.ProcessId, port, ControlToken, BaseUrl, StartedAt));
            // What outlives a request for other windows and Claude Code's status line (see SessionFiles).
            _statusLine = new StatusLine(SessionFiles.StatusLinePath(Environment.ProcessId, port), () => _modes.Current);
            SessionId = SessionRecords.IdFor(StartedAt, Environment.ProcessId, port);
            _sessionRecords = SessionRecords.Start(SessionFiles.SessionsDirectory, SessionId, Secrets);
            _history.Added += _statusLine.Record;
            _history.Added += _sessionRecords.Add;
        }
        _headerTimeout = ListenerHeaderTimeout.Start(_listener, options.HeaderTimeout);
        _acceptLoop = Task.Run(AcceptLoopAsync);
        if (options.WarmUp) WarmedUp = Task.Run(() => Warmup.RunAsync(_stopping.Token));
    }

    /// <summary>Completes when the warm-up (<see cref="ProxyOptions.WarmUp"/>) has run, true when it all succeeded; false at
    /// once without one.</summary>
    internal Task<bool> WarmedUp { get; } = Task.FromResult(false);

    /// <summary>Binds 127.0.0.1:<see cref="ProxyOptions.Port"/> (on Windows possibly the localhost name alone: see LoopbackListener) and starts serving.
    /// Throws <see cref="ProxyStartException"/> (its Reason: port in use, access denied, invalid options).</summary>
    public static ProxyServer Start(ProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var binding = LoopbackListener.Start(options.Port);
        try
        {
            return new ProxyServer(options, binding);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            binding.Listener.Close();
            throw new ProxyStartException($"The proxy could not start: {e.Message}", e);
        }
    }

    private static void Validate(ProxyOptions o)
    {
        if (o.PingInterval <= TimeSpan.Zero) throw new ProxyStartException("PingInterval must be positive.");
        if (o.StallTimeout <= TimeSpan.Zero) throw new ProxyStartException("StallTimeout must be positive.");
        if (o.GenerationStallTimeout <= TimeSpan.Zero) throw new ProxyStartException("GenerationStallTimeout must be positive.");
        if (o.RequestBodyTimeout <= TimeSpan.Zero) throw new ProxyStartException("RequestBodyTimeout must be positive.");
        if (o.HeaderTimeout <= TimeSpan.Zero) throw new ProxyStartException("HeaderTimeout must be positive.");
        if (o.BackendConnectTimeout <= TimeSpan.Zero) throw new ProxyStartException("BackendConnectTimeout must be positive.");
        if (o.HistorySize < 1) throw new ProxyStartException("HistorySize must be at least 1.");
        if (o.MaxRequestBytes < 1) throw new ProxyStartException("MaxRequestBytes must be positive.");
        if (!string.IsNullOrEmpty(o.Token) && o.Token == o.ControlToken)
            throw new ProxyStartException("Token and ControlToken must differ: each opens its own plane.");
        foreach (var (mode, settings) in o.Backends)
        {
            if (settings.Mode != mode) throw new ProxyStartException($"Backends[{mode}] holds settings for {settings.Mode}.");
            try { CheckSettings(settings); }
            catch (ArgumentException e) { throw new ProxyStartException($"{mode}: {e.Message}", e); }
        }
    }

    public int Port { get; }
    /// <summary>The id of this proxy's records file (Get-AnyClaude -Request -Session); null without a state file.</summary>
    public string? SessionId { get; }
    /// <summary>The file holding the status-line text Claude Code shows; null without a state file.</summary>
    public string? StatusLinePath => _statusLine?.Path;
    /// <summary>Claude Code settings that show <see cref="StatusLinePath"/> as its status line (for claude --settings);
    /// null without a state file.</summary>
    public string? StatusLineSettingsPath => _statusLine?.SettingsPath;
    /// <summary>http://127.0.0.1:{Port} — what ANTHROPIC_BASE_URL should be. On Windows, when http.sys lets this
    /// user register only the localhost name, http://localhost:{Port} (http.sys routes by Host).</summary>
    public Uri BaseUrl { get; }
    /// <summary>The data-plane token: what Claude Code carries (x-api-key or Authorization: Bearer). It opens the
    /// Anthropic API (/v1/*) only, never the control endpoints.</summary>
    public string Token { get; }
    /// <summary>The control token: opens the control endpoints (/anyclaude/…) only, not /v1/*. Published only in the
    /// user-private state file; never give it to Claude Code or the processes it starts.</summary>
    public string ControlToken { get; }
    public DateTimeOffset StartedAt { get; }
    /// <summary>Null when the listener's socket tuning (Nagle off, immediate hang-up detection) works on this
    /// platform and runtime; otherwise what is missing and what that changes. Behaviour is the same either way
    /// except for those two; hosts show it once (Start-AnyClaude -Verbose).</summary>
    public string? ListenerLimitation => ListenerSocketTuning.Limitation is { } tuning
        ? _headerTimeout.Limitation is { } headers ? tuning + " " + headers : tuning
        : _headerTimeout.Limitation;

    /// <summary>How many connections were closed because their request headers did not complete in time.</summary>
    internal int HeaderTimeoutsClosed => _headerTimeout.Closed;
    public bool IsRunning => _stopTask is null;
    /// <summary>The mode new requests go to (a request whose model names a mode overrides it).</summary>
    public BackendMode Mode => _modes.Current.Active;

    /// <summary>Every mode switch prewarms its target (ProxyOptions.Prewarm: Start-AnyClaude -Prewarm, config "prewarm").</summary>
    public bool PrewarmOnSwitch => _options.Prewarm;
    public BackendSettings ActiveBackend => GetBackend(Mode);
    public BackendSettings GetBackend(BackendMode mode) => _modes.Current.Get(mode);

    /// <summary>A backend's context window in tokens: its contextWindow setting, else what LM Studio reports for the
    /// model; null when unknown. Best effort, bounded by a 2 s timeout.</summary>
    public async Task<int?> GetContextWindowAsync(BackendSettings backend, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return await _backends.Windows.GetAsync(backend, backend.Model, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every mode's settings, in enum order.</summary>
    public IReadOnlyList<BackendSettings> Backends
    {
        get
        {
            var snapshot = _modes.Current;
            return Enum.GetValues<BackendMode>().Select(snapshot.Get).ToArray();
        }
    }

    /// <summary>Switches the active mode at once; requests in flight finish where they started.</summary>
    public void SetMode(BackendMode mode)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode));
        var before = _modes.Current.Active;
        _modes.Update(s => s with { Active = mode });
        if (before != mode) _statusLine?.ModeSwitched();
        else _statusLine?.Refresh();
    }

    /// <summary>Sends the current main conversation to a mode's backend with max_tokens 1, so its next turn there is
    /// served from the backend's prompt cache. Starts only once that backend is idle (giving up after waitForIdle,
    /// default 2 minutes) and never runs alongside a user's request on it.</summary>
    public Task<Prewarm.PrewarmOutcome> PrewarmAsync(BackendMode mode, TimeSpan? waitForIdle = null, CancellationToken ct = default) =>
        PrewarmCoreAsync(GetBackend(mode), waitForIdle ?? TimeSpan.FromMinutes(2), ct);

    /// <summary>Prewarms given settings (a route's backend and model); as <see cref="PrewarmAsync(BackendMode, TimeSpan?, CancellationToken)"/>.
    /// Started by the proxy itself (after a /model probe): nobody waits for it, so it ends when the proxy stops, at the
    /// latest when its own lifetime is over (see Prewarmer).</summary>
    internal Task<Prewarm.PrewarmOutcome> PrewarmAsync(BackendSettings target, string reason) =>
        PrewarmCoreAsync(target, TimeSpan.FromMinutes(2), _stopping.Token, reason);

    /// <summary>Warms started since the proxy started. A request that decides to warm starts it before its handling
    /// ends, so once <see cref="RequestsHandled"/> counts a request, its decision is counted here (tests observe a
    /// decision not to warm from this, not from elapsed time).</summary>
    internal int PrewarmsStarted => _prewarmer.Started;

    /// <summary>Requests handled to the end, including what is decided after their answer.</summary>
    internal int RequestsHandled => _dispatcher.Handled;

    /// <summary>After a sub-agent's turn on a one-slot backend (see Prewarmer.WarmAfterSubAgentAsync).</summary>
    internal async Task<Prewarm.PrewarmOutcome> PrewarmAfterSubAgentAsync(BackendSettings target)
    {
        try
        {
            return await _prewarmer.WarmAfterSubAgentAsync(target, TimeSpan.FromMinutes(2), _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return Prewarm.PrewarmOutcome.Busy;
        }
    }

    /// <summary>Warms a given Claude Code request body (a remembered session head, a resumed conversation) on a mode's
    /// backend before any user request, recorded as a Prewarm with this reason; yields to user requests as every prewarm.</summary>
    public Task<Prewarm.PrewarmOutcome> PrewarmBodyAsync(BackendMode mode, ReadOnlyMemory<byte> body, string reason, CancellationToken ct = default) =>
        PrewarmCoreAsync(GetBackend(mode), TimeSpan.FromMinutes(2), ct, reason, body);

    /// <summary>The newest main turn's Claude Code request body and session, for the warm-start store; null before the first.</summary>
    public (ReadOnlyMemory<byte> Body, string? SessionId)? LastMainTurn => _prewarmer.LastMain;

    private async Task<Prewarm.PrewarmOutcome> PrewarmCoreAsync(BackendSettings target, TimeSpan waitForIdle, CancellationToken ct,
        string reason = Prewarm.PrewarmReason.ModeSwitch, ReadOnlyMemory<byte>? body = null)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
        try
        {
            return await _prewarmer.WarmAsync(target, waitForIdle, reason, body, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return Prewarm.PrewarmOutcome.Busy;
        }
    }

    /// <summary>Claude Code saved a /model choice (its picker sends no probe, unlike /model &lt;id&gt;): with
    /// ProxyOptions.Prewarm, a choice that routes to another mode than the main conversation's starts warming that
    /// backend, as the probe does (RequestDispatcher.PrewarmAfterModelProbe). True when a prewarm was started.</summary>
    public bool ModelChosen(string modelId)
    {
        if (!_options.Prewarm || string.IsNullOrEmpty(modelId)) return false;
        var route = RouteResolver.Resolve(_modes.Current, modelId);
        if (_prewarmer.MainMode is not { } main || main == route.Backend.Mode) return false;
        _ = PrewarmAsync(route.Backend with { Model = route.Model }, Prewarm.PrewarmReason.ModelSwitch);
        return true;
    }

    /// <summary>Every route this proxy serves now (what GET /v1/models lists): each mode and the models its backend
    /// serves, asking the backends briefly (<see cref="ModelDiscovery.ListTimeout"/>; one that is down lists none).</summary>
    public async Task<IReadOnlyList<ModelCatalogEntry>> GetModelCatalogAsync(CancellationToken ct = default)
    {
        var snapshot = _modes.Current;
        var discovered = await ModelsEndpoint.DiscoverAsync(_backends.Http, snapshot, ct).ConfigureAwait(false);
        return ModelCatalog.Build(snapshot, discovered);
    }

    /// <summary>Replaces one mode's settings (URL, model, tool calls, ...) at run time.</summary>
    public void Configure(BackendSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CheckSettings(settings);
        _modes.Update(s => s with { Backends = s.Backends.SetItem(settings.Mode, settings) });
        _statusLine?.Refresh();
    }

    private static void CheckSettings(BackendSettings settings)
    {
        if (!settings.BaseUrl.IsAbsoluteUri || (settings.BaseUrl.Scheme != Uri.UriSchemeHttp && settings.BaseUrl.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException("BaseUrl must be an absolute http or https URL.", nameof(settings));
        if (settings.MaxConcurrency < 0) throw new ArgumentException("MaxConcurrency must be at least 1 (0: automatic).", nameof(settings));
        if (settings.ContextWindow is <= 0) throw new ArgumentException("ContextWindow must be a positive number of tokens.", nameof(settings));
        if (settings.CaCertificate is not null) BackendTrust.Load(settings.CaCertificate);
        if (settings.StallTimeout is { } stall && stall <= TimeSpan.Zero) throw new ArgumentException("StallTimeout must be positive.", nameof(settings));
    }

    /// <summary>The bounded history of request records, oldest first.</summary>
    public IReadOnlyList<RequestRecord> GetRecords()
    {
        FlushStatusLine();
        return _history.Snapshot();
    }

    /// <summary>Writes the status line now if a completed request changed it (it is otherwise written a moment later,
    /// off the request path): called where records are read, so the line on disk goes with them.</summary>
    internal void FlushStatusLine() => _statusLine?.Flush();

    /// <summary>The records numbered after <paramref name="after"/>, waiting up to <paramref name="wait"/> when there
    /// are none yet (the live view); pass the answer's Next as <paramref name="after"/> next time.</summary>
    public async Task<RecordBatch> ReadRecordsAsync(long after, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var batch = await _history.WaitAfterAsync(after, wait, cancellationToken).ConfigureAwait(false);
        FlushStatusLine(); // as GetRecords: whoever reads a record sees the status line that follows from it
        return batch;
    }

    private IEnumerable<string?> Secrets()
    {
        yield return Token;
        yield return Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY");
        foreach (var backend in Backends) yield return backend.ApiKey;
    }

    /// <summary>Stops listening, cancels requests in flight, frees the port, removes the state file.</summary>
    public Task StopAsync()
    {
        lock (_inFlightGate)
        {
            return _stopTask ??= StopCoreAsync();
        }
    }

    private async Task StopCoreAsync()
    {
        if (_stateFile is not null) ProxyStateFile.Delete(_stateFile);
        _statusLine?.Delete();
        // Cancel first and let the handlers answer (the listener would otherwise close their connections with an
        // empty 200); then stop listening and free the port.
        _stopping.Cancel();
        Task[] pending;
        lock (_inFlightGate) pending = [.. _inFlight];
        try { await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); }
        catch (TimeoutException) { }
        try { await WarmedUp.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); }
        catch (TimeoutException) { }
        _headerTimeout.Dispose();
        try { _listener.Stop(); } catch (ObjectDisposedException) { }
        await _acceptLoop.ConfigureAwait(false);
        // The managed listener's Close after Stop has been seen to throw "Address already in use" on Unix when another
        // listener took the port in between; the port is ours no longer either way, so stopping goes on.
        try { _listener.Close(); } catch (HttpListenerException) { }
        if (_trace is not null) await _trace.DisposeAsync().ConfigureAwait(false);
        if (_sessionRecords is not null) await _sessionRecords.DisposeAsync().ConfigureAwait(false);
        _backends.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            ListenerSocketTuning.DisableNagle(context);
            var task = Task.Run(() => _dispatcher.HandleAsync(context, _stopping.Token));
            lock (_inFlightGate) _inFlight.Add(task);
            _ = task.ContinueWith(static (t, s) =>
            {
                var self = (ProxyServer)s!;
                lock (self._inFlightGate) self._inFlight.Remove(t);
            }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
    public void Dispose() => StopAsync().GetAwaiter().GetResult();
}

/// <summary>The proxy could not start (port in use, access denied, bad options); <see cref="Reason"/> says which.</summary>
public sealed class ProxyStartException(string message, Exception? inner = null, ProxyStartFailure reason = ProxyStartFailure.Other) : Exception(message, inner)
{
    public ProxyStartFailure Reason { get; } = reason;
}

/// <summary>Why the proxy could not start.</summary>
public enum ProxyStartFailure
{
    /// <summary>Anything else (a state file that cannot be written, an unexpected listener error).</summary>
    Other,
    /// <summary>Another program listens on the port.</summary>
    PortInUse,
    /// <summary>The system refused this user the port (on Windows: an http.sys URL reservation); not a port in use.</summary>
    AccessDenied,
    /// <summary>The options are invalid.</summary>
    InvalidOptions,
}
