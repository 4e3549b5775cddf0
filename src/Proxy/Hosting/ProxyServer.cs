using System.Collections.Immutable;
using System.Net;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Observability;
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
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly object _inFlightGate = new();
    private readonly HashSet<Task> _inFlight = [];
    private readonly string? _stateFile;
    private Task? _stopTask;

    private ProxyServer(ProxyOptions options, HttpListener listener, int port)
    {
        _options = options;
        _listener = listener;
        _backends = new BackendServices(options.BackendConnectTimeout);
        Port = port;
        Token = string.IsNullOrEmpty(options.Token) ? ProxyToken.Generate() : options.Token;
        BaseUrl = new Uri($"http://127.0.0.1:{port}");
        StartedAt = DateTimeOffset.UtcNow;
        _modes = new ModeTable(ModeSnapshot.From(options));
        _history = new RecordHistory(options.HistorySize);
        _trace = options.TracePath is null ? null : new TraceWriter(options.TracePath);
        _dispatcher = new RequestDispatcher(this, options, new RequestGuard(Token), _modes, _backends, _history, _trace);
        if (options.PublishStateFile)
            _stateFile = ProxyStateFile.Write(new ProxyState(Environment.ProcessId, port, Token, BaseUrl, StartedAt));
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Binds 127.0.0.1:<see cref="ProxyOptions.Port"/> and starts serving.
    /// Throws <see cref="ProxyStartException"/> when the port is taken or the options are invalid.</summary>
    public static ProxyServer Start(ProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var listener = LoopbackListener.Start(options.Port);
        var port = new Uri(listener.Prefixes.First()).Port;
        try
        {
            return new ProxyServer(options, listener, port);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            listener.Close();
            throw new ProxyStartException($"The proxy could not start: {e.Message}", e);
        }
    }

    private static void Validate(ProxyOptions o)
    {
        if (o.PingInterval <= TimeSpan.Zero) throw new ProxyStartException("PingInterval must be positive.");
        if (o.StallTimeout <= TimeSpan.Zero) throw new ProxyStartException("StallTimeout must be positive.");
        if (o.GenerationStallTimeout <= TimeSpan.Zero) throw new ProxyStartException("GenerationStallTimeout must be positive.");
        if (o.RequestBodyTimeout <= TimeSpan.Zero) throw new ProxyStartException("RequestBodyTimeout must be positive.");
        if (o.BackendConnectTimeout <= TimeSpan.Zero) throw new ProxyStartException("BackendConnectTimeout must be positive.");
        if (o.HistorySize < 1) throw new ProxyStartException("HistorySize must be at least 1.");
        if (o.MaxRequestBytes < 1) throw new ProxyStartException("MaxRequestBytes must be positive.");
        foreach (var (mode, settings) in o.Backends)
        {
            if (settings.Mode != mode) throw new ProxyStartException($"Backends[{mode}] holds settings for {settings.Mode}.");
            if (settings.StallTimeout is { } stall && stall <= TimeSpan.Zero) throw new ProxyStartException($"Backends[{mode}].StallTimeout must be positive.");
        }
    }

    public int Port { get; }
    /// <summary>http://127.0.0.1:{Port} — what ANTHROPIC_BASE_URL should be.</summary>
    public Uri BaseUrl { get; }
    /// <summary>The token every request must carry (x-api-key or Authorization: Bearer).</summary>
    public string Token { get; }
    public DateTimeOffset StartedAt { get; }
    public bool IsRunning => _stopTask is null;
    /// <summary>The mode new requests go to (a request whose model names a mode overrides it).</summary>
    public BackendMode Mode => _modes.Current.Active;
    public BackendSettings ActiveBackend => GetBackend(Mode);
    public BackendSettings GetBackend(BackendMode mode) => _modes.Current.Get(mode);

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
        _modes.Update(s => s with { Active = mode });
    }

    /// <summary>Replaces one mode's settings (URL, model, tool calls, ...) at run time.</summary>
    public void Configure(BackendSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.BaseUrl.IsAbsoluteUri || (settings.BaseUrl.Scheme != Uri.UriSchemeHttp && settings.BaseUrl.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException("BaseUrl must be an absolute http or https URL.", nameof(settings));
        if (settings.MaxConcurrency < 1) throw new ArgumentException("MaxConcurrency must be at least 1.", nameof(settings));
        if (settings.StallTimeout is { } stall && stall <= TimeSpan.Zero) throw new ArgumentException("StallTimeout must be positive.", nameof(settings));
        _modes.Update(s => s with { Backends = s.Backends.SetItem(settings.Mode, settings) });
    }

    /// <summary>The bounded history of request records, oldest first.</summary>
    public IReadOnlyList<RequestRecord> GetRecords() => _history.Snapshot();

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
        // Cancel first and let the handlers answer (the listener would otherwise close their connections with an
        // empty 200); then stop listening and free the port.
        _stopping.Cancel();
        Task[] pending;
        lock (_inFlightGate) pending = [.. _inFlight];
        try { await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); }
        catch (TimeoutException) { }
        try { _listener.Stop(); } catch (ObjectDisposedException) { }
        await _acceptLoop.ConfigureAwait(false);
        _listener.Close();
        if (_trace is not null) await _trace.DisposeAsync().ConfigureAwait(false);
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

/// <summary>The proxy could not start (port in use, bad options).</summary>
public sealed class ProxyStartException(string message, Exception? inner = null) : Exception(message, inner);
