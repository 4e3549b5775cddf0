using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>What the concurrent-streams scenario saw.</summary>
internal sealed record ConcurrentResult(int Streams, int Chunks, int Completed, int CrossTalk, int Incomplete, int Failed,
    Stats StreamMs, double WallSeconds, long DeltaEvents, ProcessSample Before, ProcessSample Peak, ProcessSample After, string? FirstFailure);

/// <summary>What the slowloris scenario saw.</summary>
internal sealed record SlowlorisResult(int Sockets, int Opened, int OpenAtHold, double HoldSeconds, int ClosedByTimeout, int ClosedOtherwise,
    int StillOpen, Stats CloseAfterSeconds, int ProxyCounted, ProcessSample Before, ProcessSample Held, ProcessSample After,
    Stats ServedMsDuringHold, int ServedFailures, TimeSpan HeaderTimeout);

/// <summary>What the memory scenarios saw.</summary>
internal sealed record RssResult(List<(int Requests, ProcessSample Sample)> Sequential, List<ProcessSample> Stalled,
    long StalledBytesRead, string StalledRecord, int SequentialFailures, long LiveHeapBefore, long LiveHeapAfter);

/// <summary>
/// The issue-8 load scenarios against the real ProxyServer in this process: (1) many truly concurrent long streams,
/// each checked for cross-talk; (2) thousands of slowloris sockets (partial headers, then silence) held against the
/// proxy's thread count and answered by its header timeout; (3) RSS over many sequential requests and while a client
/// stops reading a long stream. Figures, not pass/fail: each prints what it saw.
/// </summary>
internal static class LoadProbes
{
    private static HttpClient NewClient() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = int.MaxValue,
    })
    { Timeout = TimeSpan.FromMinutes(10) };

    /// <summary>A proxy in OpenAI-compatible mode in front of the tagged backend, allowing <paramref name="concurrency"/>
    /// requests at once (the default for a loopback backend is one: a local model serves one request at a time).</summary>
    public static ProxyServer StartProxy(Uri backendBase, int concurrency, TimeSpan? headerTimeout = null)
    {
        var settings = BackendSettings.Default(BackendMode.OpenAICompatible) with
        {
            BaseUrl = new Uri(backendBase, "v1"),
            Model = "load-test",
            MaxConcurrency = concurrency,
        };
        var options = new ProxyOptions
        {
            Mode = BackendMode.OpenAICompatible,
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.OpenAICompatible] = settings },
        };
        if (headerTimeout is { } t) options = options with { HeaderTimeout = t };
        return ProxyServer.Start(options);
    }

    private static byte[] Body(int tag, int chunks) => Encoding.UTF8.GetBytes(
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":32000,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
        + JsonSerializer.Serialize(TaggedBackend.Prompt(tag, chunks)) + "}]}");

    private static HttpRequestMessage Post(ProxyServer proxy, byte[] body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy.BaseUrl, "/v1/messages?beta=true")) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Add("x-api-key", proxy.Token);
        message.Headers.Add("anthropic-version", "2023-06-01");
        return message;
    }

    // ---- (1) concurrent streams ----

    public static async Task<ConcurrentResult> ConcurrentAsync(Uri backendBase, int streams, int chunks)
    {
        await using var proxy = StartProxy(backendBase, streams);
        using var client = NewClient();
        // Warm-up: the paths JIT-compiled and a few connections open, then a moment idle.
        for (var i = 0; i < 5; i++) await OneStreamAsync(client, proxy, 1_000_000 + i, 50);
        await Task.Delay(1000);

        var before = ProcessSample.Take();
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var s = ProcessSample.Take();
                peak = new ProcessSample(s.Seconds, Math.Max(s.RssBytes, peak.RssBytes), Math.Max(s.GcHeapBytes, peak.GcHeapBytes),
                    Math.Max(s.Threads, peak.Threads), Math.Max(s.Sockets, peak.Sockets));
                try { await Task.Delay(250, sampling.Token); } catch (OperationCanceledException) { }
            }
        });
        var wall = Stopwatch.StartNew();
        using var go = new SemaphoreSlim(0, streams);
        var tasks = Enumerable.Range(0, streams).Select(async tag =>
        {
            await go.WaitAsync();
            return await OneStreamAsync(client, proxy, tag, chunks);
        }).ToArray();
        go.Release(streams); // all at once: truly concurrent, not a ramp
        var results = await Task.WhenAll(tasks);
        wall.Stop();
        sampling.Cancel();
        await sampler;
        await Task.Delay(1000);
        var after = ProcessSample.Take();
        return new ConcurrentResult(streams, chunks,
            results.Count(r => r.Complete && r.Foreign == 0),
            results.Sum(r => r.Foreign),
            results.Count(r => !r.Complete && r.Error is null),
            results.Count(r => r.Error is not null),
            Stats.Of(results.Where(r => r.Error is null).Select(r => r.Ms)),
            wall.Elapsed.TotalSeconds, results.Sum(r => (long)r.Deltas), before, peak, after,
            results.FirstOrDefault(r => r.Error is not null)?.Error);
    }

    private sealed record StreamCheck(bool Complete, int Foreign, int Deltas, double Ms, string? Error);

    /// <summary>One stream, read to the end: every delta's text must be "TAG:SEQ " with this stream's tag and SEQ
    /// counting up from 0 to chunks-1; a token with another tag is cross-talk.</summary>
    private static async Task<StreamCheck> OneStreamAsync(HttpClient client, ProxyServer proxy, int tag, int chunks)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            using var message = Post(proxy, Body(tag, chunks));
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK)
                return new(false, 0, 0, 0, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var text = new StringBuilder(chunks * 10);
            var deltas = 0;
            bool stopped = false, error = false;
            string? evt = null;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) evt = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    if (evt == "content_block_delta")
                    {
                        deltas++;
                        using var doc = JsonDocument.Parse(line.AsMemory(6));
                        if (doc.RootElement.GetProperty("delta").TryGetProperty("text", out var t)) text.Append(t.GetString());
                    }
                    else if (evt == "message_stop") stopped = true;
                    else if (evt == "error") error = true;
                }
            }
            sw.Stop();
            int next = 0, foreign = 0;
            var ordered = true;
            foreach (var token in text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var colon = token.IndexOf(':');
                if (colon < 0 || !int.TryParse(token.AsSpan(0, colon), out var t) || !int.TryParse(token.AsSpan(colon + 1), out var seq)) { ordered = false; continue; }
                if (t != tag) { foreign++; continue; }
                if (seq != next) ordered = false;
                next = seq + 1;
            }
            var complete = stopped && !error && ordered && next == chunks;
            return new(complete, foreign, deltas, sw.Elapsed.TotalMilliseconds, error ? "error event" : null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or JsonException)
        {
            return new(false, 0, 0, 0, $"{e.GetType().Name}: {e.Message}");
        }
    }

    // ---- (2) slowloris ----

    public static async Task<SlowlorisResult> SlowlorisAsync(Uri backendBase, int sockets, TimeSpan hold, TimeSpan headerTimeout)
    {
        await using var proxy = StartProxy(backendBase, 1, headerTimeout);
        using var client = NewClient();
        for (var i = 0; i < 5; i++) await OneStreamAsync(client, proxy, 2_000_000 + i, 20);
        await Task.Delay(1000);
        var before = ProcessSample.Take();

        var partial = Encoding.ASCII.GetBytes($"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:{proxy.Port}\r\nx-api-key: {proxy.Token}\r\nContent-Ty");
        var open = new List<(Socket Socket, long OpenedAt)>(sockets);
        // Opened in batches so the listener's accept backlog (500) is never the limit being measured.
        for (var i = 0; i < sockets; i += 100)
        {
            var batch = await Task.WhenAll(Enumerable.Range(i, Math.Min(100, sockets - i)).Select(async _ =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await s.ConnectAsync(IPAddress.Loopback, proxy.Port);
                    await s.SendAsync(partial);
                    return (s, Stopwatch.GetTimestamp());
                }
                catch (SocketException)
                {
                    s.Dispose();
                    return ((Socket?)null, 0L);
                }
            }));
            open.AddRange(batch.Where(b => b.Item1 is not null).Select(b => (b.Item1!, b.Item2)));
        }

        // Each socket waits for the server to answer or close; the first byte or the end tells which.
        var closes = open.Select(async o =>
        {
            var buffer = new byte[512];
            try
            {
                var n = await o.Socket.ReceiveAsync(buffer, SocketFlags.None);
                var timedOut = n > 0 && Encoding.ASCII.GetString(buffer, 0, n).StartsWith("HTTP/1.1 408", StringComparison.Ordinal);
                return (Closed: true, TimedOut: timedOut, After: Stopwatch.GetElapsedTime(o.OpenedAt).TotalSeconds);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return (Closed: false, TimedOut: false, After: 0.0);
            }
        }).ToArray();

        // While they are held, normal requests must still be served.
        var served = new List<double>();
        var failures = 0;
        var holdClock = Stopwatch.StartNew();
        var openAtHold = 0;
        var held = ProcessSample.Take();
        var heldSampled = false;
        while (holdClock.Elapsed < hold)
        {
            var sw = Stopwatch.StartNew();
            var r = await OneStreamAsync(client, proxy, 3_000_000 + served.Count + failures, 20);
            if (r.Complete) served.Add(sw.Elapsed.TotalMilliseconds); else failures++;
            // The figure "held without thread growth": sampled while every socket is still open (before the header timeout).
            if (!heldSampled && (holdClock.Elapsed > TimeSpan.FromSeconds(5) || holdClock.Elapsed > headerTimeout / 3))
            {
                held = ProcessSample.Take();
                openAtHold = closes.Count(c => !c.IsCompleted);
                heldSampled = true;
            }
            await Task.Delay(500);
        }
        var finished = closes.Where(c => c.IsCompleted).Select(c => c.Result).ToList();
        var stillOpen = closes.Length - finished.Count;
        foreach (var (socket, _) in open) socket.Dispose();
        await Task.WhenAll(closes);
        await Task.Delay(1000);
        var after = ProcessSample.Take();
        return new SlowlorisResult(sockets, open.Count, openAtHold, hold.TotalSeconds,
            finished.Count(f => f.Closed && f.TimedOut), finished.Count(f => !f.Closed || !f.TimedOut), stillOpen,
            Stats.Of(finished.Where(f => f.TimedOut).Select(f => f.After)), proxy.HeaderTimeoutsClosed,
            before, held, after, Stats.Of(served), failures, headerTimeout);
    }

    // ---- (3) RSS ----

    public static async Task<RssResult> RssAsync(Uri backendBase, int requests, int every, int chunks, TimeSpan stall, int stallChunks)
    {
        await using var proxy = StartProxy(backendBase, 4);
        using var client = NewClient();
        for (var i = 0; i < 20; i++) await OneStreamAsync(client, proxy, 4_000_000 + i, chunks);
        await Task.Delay(1000);
        var liveBefore = LiveHeap();
        var sequential = new List<(int, ProcessSample)> { (0, ProcessSample.Take()) };
        var failures = 0;
        for (var i = 1; i <= requests; i++)
        {
            var r = await OneStreamAsync(client, proxy, 5_000_000 + i, chunks);
            if (!r.Complete) failures++;
            if (i % every == 0) sequential.Add((i, ProcessSample.Take()));
        }
        var liveAfter = LiveHeap();

        // A client that stops reading: it sends a request for a very long stream, reads the first bytes, then nothing.
        // Backpressure must reach the backend; the proxy must not buffer what the client does not take.
        var stalled = new List<ProcessSample>();
        long read = 0;
        var lastBefore = proxy.GetRecords() is { Count: > 0 } before ? before[^1].Id : null;
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            socket.ReceiveBufferSize = 64 * 1024;
            await socket.ConnectAsync(IPAddress.Loopback, proxy.Port);
            var body = Body(6_000_000, stallChunks);
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                $"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:{proxy.Port}\r\nx-api-key: {proxy.Token}\r\nanthropic-version: 2023-06-01\r\n" +
                $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));
            await socket.SendAsync(body);
            var buffer = new byte[16 * 1024];
            read = await socket.ReceiveAsync(buffer, SocketFlags.None);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < stall)
            {
                stalled.Add(ProcessSample.Take());
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
            stalled.Add(ProcessSample.Take());
        } // the client goes away without having read on
        var record = "";
        for (var i = 0; i < 50 && record.Length == 0; i++)
        {
            await Task.Delay(200);
            if (proxy.GetRecords() is { Count: > 0 } now && now[^1] is var last && last.Id != lastBefore)
                record = $"status {last.Status}, {last.OutputTokens} output tokens relayed, {last.Duration.TotalSeconds:F1} s, error: {(last.Error ?? "none").TrimEnd('.')}";
        }
        return new RssResult(sequential, stalled, read, record.Length == 0 ? "(no record yet)" : record, failures, liveBefore, liveAfter);
    }

    /// <summary>What is really alive: the managed heap after a forced, compacting full collection.</summary>
    private static long LiveHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
