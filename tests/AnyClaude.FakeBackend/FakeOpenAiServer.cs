using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using AnyClaude.FakeBackend.Endpoints;
using AnyClaude.FakeBackend.Http;
using AnyClaude.FakeBackend.Scripting;

namespace AnyClaude.FakeBackend;

/// <summary>
/// A fake OpenAI-compatible server on 127.0.0.1 that behaves like LM Studio or mlx_lm.server, quirks included.
/// Raw sockets, so the wire format (HTTP/1.0 close-delimited vs HTTP/1.1 chunked streams) is the real one and tests
/// can cut or drop connections.
/// <code>await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });</code>
/// </summary>
public sealed class FakeOpenAiServer : IAsyncDisposable, IDisposable
{
    private readonly TcpListener _listener;
    private readonly FakeServerState _state;
    private readonly Router _router;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, TcpClient> _connections = new();
    private readonly Task _acceptLoop;
    private int _connectionIds;
    private int _stopped;

    private FakeOpenAiServer(FakeServerOptions options)
    {
        _state = new FakeServerState(options);
        _router = new Router(_state);
        _listener = new TcpListener(IPAddress.Loopback, options.Port);
        _listener.Start(backlog: 64);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Starts listening at once; the server is ready when this returns.</summary>
    public static FakeOpenAiServer Start(FakeServerOptions? options = null) => new(options ?? new FakeServerOptions());

    public FakeServerOptions Options => _state.Options;

    /// <summary>A loopback port nothing listens on (just released), for "backend down" tests.</summary>
    public static int UnusedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public int Port { get; }

    /// <summary>http://127.0.0.1:port/v1 — what a client configures as the OpenAI base URL.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port}/v1";

    /// <summary>http://127.0.0.1:port — for /health, /api/v0/models and /_fake/.</summary>
    public string RootUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Every request received so far (not the /_fake/ admin ones), oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _state.Requests;

    /// <summary>The chat completion requests received so far.</summary>
    public IReadOnlyList<RecordedRequest> ChatRequests =>
        _state.Requests.Where(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal)).ToArray();

    /// <summary>Most chat completions that were being served at the same time.</summary>
    public int MaxConcurrentChatRequests => _state.MaxConcurrentChats;

    public int PendingScriptedReplies => _state.Script.Count;

    public int CacheEntryCount => _state.Cache.Count;

    /// <summary>Queues a reply for the next chat completion (FIFO).</summary>
    public void Enqueue(ScriptedReply reply) => _state.Script.Enqueue(reply);

    public void Enqueue(params ScriptedReply[] replies)
    {
        foreach (var r in replies)
        {
            _state.Script.Enqueue(r);
        }
    }

    /// <summary>Forgets recorded requests, scripted replies and the prompt cache.</summary>
    public void Reset() => _state.Reset();

    public void ClearCache() => _state.Cache.Clear();

    /// <summary>Stops listening and closes every open connection; afterwards connections are refused ("server down").</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        _stop.Cancel();
        _listener.Stop();
        foreach (var c in _connections.Values)
        {
            c.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // the loop ends with the listener; nothing to report
        }
        _stop.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            var id = Interlocked.Increment(ref _connectionIds);
            _connections[id] = client;
            _ = Task.Run(() => ServeConnectionAsync(id, client));
        }
    }

    /// <summary>
    /// Serves one request while watching the socket: when the client hangs up first, the request's work is cancelled
    /// and the record says so (proxies must cancel backend requests when their own client goes away).
    /// </summary>
    private async Task<bool> ServeRequestAsync(HttpRequestData request, RecordedRequest? record, HttpRequestReader reader, ResponseWriter writer)
    {
        using var requestCts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var finished = 0;
        _ = reader.WatchForCloseAsync(_stop.Token).ContinueWith(t =>
        {
            if (t.Result && Volatile.Read(ref finished) == 0)
            {
                if (record is not null)
                {
                    record.ClientDisconnected = true;
                }
                try
                {
                    requestCts.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // the request finished meanwhile
                }
            }
        }, TaskScheduler.Default);
        try
        {
            var keepOpen = await _router.HandleAsync(request, record, writer, requestCts.Token);
            return keepOpen && !writer.MustClose && request.ClientWantsKeepAlive;
        }
        finally
        {
            Volatile.Write(ref finished, 1);
            if (record is not null)
            {
                record.Completed = true;
            }
        }
    }

    private async Task ServeConnectionAsync(int id, TcpClient client)
    {
        try
        {
            client.NoDelay = true;
            var stream = client.GetStream();
            var reader = new HttpRequestReader(stream);
            while (!_stop.IsCancellationRequested)
            {
                var request = await reader.ReadAsync(_stop.Token);
                if (request is null)
                {
                    break;
                }
                var writer = new ResponseWriter(stream, Options.Flavor, headOnly: request.Method == "HEAD");
                var record = Router.IsAdmin(request) ? null : _state.Record(request);
                if (!await ServeRequestAsync(request, record, reader, writer))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidDataException)
        {
            // client went away, server stopping, or a malformed request: the connection just ends
        }
        finally
        {
            _connections.TryRemove(id, out _);
            client.Dispose();
        }
    }
}
