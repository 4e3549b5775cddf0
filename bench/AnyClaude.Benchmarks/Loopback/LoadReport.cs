using System.Runtime.InteropServices;
using System.Text;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>Runs the load scenarios (<see cref="LoadProbes"/>) against the tagged backend in a child process and
/// prints their figures as Markdown. Exit code 2 when a stream was lost or crossed, or a slowloris socket outlived
/// the header timeout by more than two sweeps.</summary>
internal static class LoadReport
{
    public static async Task<int> RunAsync(HarnessOptions o)
    {
        var report = new StringBuilder();
        using var backend = ChildProcess.Start("loopback-tagged-backend", [], cpu: 1);
        var ok = true;
        try
        {
            var port = int.Parse(ChildProcess.WaitForLine(backend, "PORT "));
            var backendBase = new Uri($"http://127.0.0.1:{port}/");
            report.AppendLine($"""
                ## Load run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC

                - machine: {Environment.ProcessorCount} cpus ({RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.ProcessArchitecture}), load average at start {LoopbackHarness.LoadAverage()}
                - runtime: .NET {Environment.Version}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC; proxy and clients in this process, tagged backend in a child process ({(ChildProcess.CanPin ? "pinned to CPU 1" : "not pinned")})
                """);
            if (o.RunsLoad("concurrent")) ok &= Print(await LoadProbes.ConcurrentAsync(backendBase, o.Streams, o.StreamChunks), report);
            if (o.RunsLoad("slowloris"))
                ok &= Print(await LoadProbes.SlowlorisAsync(backendBase, o.Slowloris, TimeSpan.FromSeconds(o.SlowlorisHoldSeconds), TimeSpan.FromSeconds(o.HeaderTimeoutSeconds)), report);
            if (o.RunsLoad("rss"))
                ok &= Print(await LoadProbes.RssAsync(backendBase, o.RssRequests, o.RssEvery, o.RssChunks, TimeSpan.FromSeconds(o.StallSeconds), o.StallChunks), o, report);
            report.AppendLine($"\nLoad average at the end: {LoopbackHarness.LoadAverage()}.");
            Console.WriteLine(report);
            if (o.Out is not null) await File.WriteAllTextAsync(o.Out, report.ToString());
            return ok ? 0 : 2;
        }
        finally
        {
            backend.StandardInput.Close();
            if (!backend.WaitForExit(5000)) backend.Kill();
        }
    }

    private static string Row(string label, ProcessSample s) =>
        $"| {label} | {s.Threads} | {(s.Sockets < 0 ? "?" : s.Sockets.ToString())} | {s.RssMb:F1} | {s.GcHeapMb:F1} |";

    private static bool Print(ConcurrentResult r, StringBuilder report)
    {
        var ok = r.Completed == r.Streams && r.CrossTalk == 0;
        report.AppendLine($"""

            ### Concurrent streams: {r.Streams} streams of {r.Chunks:N0} chunks, all started at once (proxy MaxConcurrency {r.Streams})

            | streams completed intact | cross-talk tokens | incomplete | failed | deltas received | wall time s | relayed deltas/s |
            |---:|---:|---:|---:|---:|---:|---:|
            | {r.Completed} / {r.Streams} | {r.CrossTalk} | {r.Incomplete} | {r.Failed} | {r.DeltaEvents:N0} | {r.WallSeconds:F1} | {r.DeltaEvents / r.WallSeconds:N0} |

            | stream time (request sent → message_stop) | median s | p90 s | p99 s | min s | max s |
            |---|---:|---:|---:|---:|---:|
            | per stream | {r.StreamMs.Median / 1000:F2} | {r.StreamMs.P90 / 1000:F2} | {r.StreamMs.P99 / 1000:F2} | {r.StreamMs.Min / 1000:F2} | {r.StreamMs.Max / 1000:F2} |

            | process (proxy + clients) | threads | sockets | RSS MB | GC heap MB |
            |---|---:|---:|---:|---:|
            {Row("before", r.Before)}
            {Row("peak while streaming (each column's maximum, sampled every 250 ms)", r.Peak)}
            {Row("1 s after", r.After)}

            Intact: every delta carries the stream's own tag, sequence numbers 0 … {r.Chunks - 1} in order, then message_stop.
            {(r.FirstFailure is null ? "" : $"First failure: {r.FirstFailure}")}
            Result: **{(ok ? "all intact, no cross-talk" : "NOT all intact")}**.
            """);
        return ok;
    }

    private static bool Print(SlowlorisResult r, StringBuilder report)
    {
        // Closed by the sweep between one timeout and one timeout plus two sweep intervals (timeout / 6 each) after the bytes.
        var ok = r.StillOpen == 0 || r.HoldSeconds < r.HeaderTimeout.TotalSeconds * 4 / 3 + 2;
        report.AppendLine($"""

            ### Slowloris: {r.Sockets:N0} sockets each send part of a request head, then nothing (header timeout {r.HeaderTimeout.TotalSeconds:0} s, held {r.HoldSeconds:0} s)

            | opened | still open ~5 s in | closed with 408 by the header timeout | closed otherwise | still open at the end | proxy's count |
            |---:|---:|---:|---:|---:|---:|
            | {r.Opened:N0} | {r.OpenAtHold:N0} | {r.ClosedByTimeout:N0} | {r.ClosedOtherwise:N0} | {r.StillOpen:N0} | {r.ProxyCounted:N0} |

            | closed after (s since the socket sent its bytes) | median | p90 | p99 | min | max |
            |---|---:|---:|---:|---:|---:|
            | by the header timeout | {r.CloseAfterSeconds.Median:F1} | {r.CloseAfterSeconds.P90:F1} | {r.CloseAfterSeconds.P99:F1} | {r.CloseAfterSeconds.Min:F1} | {r.CloseAfterSeconds.Max:F1} |

            | process (proxy + clients) | threads | sockets | RSS MB | GC heap MB |
            |---|---:|---:|---:|---:|
            {Row("before", r.Before)}
            {Row("all sockets held (~5 s in)", r.Held)}
            {Row("after (sockets closed)", r.After)}

            Meanwhile, 20-chunk streams through the proxy, one every 0.5 s: {r.ServedMsDuringHold.Count} served (median {r.ServedMsDuringHold.Median:F1} ms, p99 {r.ServedMsDuringHold.P99:F1} ms, max {r.ServedMsDuringHold.Max:F1} ms), {r.ServedFailures} failed.
            Sockets count both ends (client and proxy) of each loopback connection.
            """);
        return ok && r.ServedFailures == 0;
    }

    private static bool Print(RssResult r, HarnessOptions o, StringBuilder report)
    {
        report.AppendLine($"""

            ### RSS over {o.RssRequests:N0} sequential streamed requests ({o.RssChunks}-chunk replies), no collection forced

            | requests | RSS MB | GC heap MB | threads |
            |---:|---:|---:|---:|
            """);
        foreach (var (n, s) in r.Sequential) report.AppendLine($"| {n:N0} | {s.RssMb:F1} | {s.GcHeapMb:F1} | {s.Threads} |");
        var mid = r.Sequential[r.Sequential.Count / 2].Sample;
        var last = r.Sequential[^1].Sample;
        report.AppendLine($"""

            Second half: RSS {last.RssMb - mid.RssMb:+0.0;-0.0} MB, GC heap {last.GcHeapMb - mid.GcHeapMb:+0.0;-0.0} MB; {r.SequentialFailures} requests not intact.
            Live heap (after a forced full collection) before the first and after the last request: {r.LiveHeapBefore / 1048576.0:F1} MB → {r.LiveHeapAfter / 1048576.0:F1} MB
            (the proxy's record history holds its last 1,000 records).

            ### RSS while a client stops reading ({o.StallChunks:N0}-chunk stream requested; the client read {r.StalledBytesRead:N0} bytes, then nothing for {o.StallSeconds} s)

            | s since the client stopped | RSS MB | GC heap MB | threads |
            |---:|---:|---:|---:|
            """);
        var t0 = r.Stalled[0].Seconds;
        foreach (var s in r.Stalled) report.AppendLine($"| {s.Seconds - t0:F0} | {s.RssMb:F1} | {s.GcHeapMb:F1} | {s.Threads} |");
        report.AppendLine($"\nThe stalled request's record once the client left: {r.StalledRecord}.");
        return r.SequentialFailures == 0;
    }
}
