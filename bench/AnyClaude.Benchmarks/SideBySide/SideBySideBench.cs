using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using AnyClaude.Benchmarks.Loopback;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Benchmarks.SideBySide;

/// <summary>Options: `side-by-side [--rounds 2] [--warmup 60] [--settle-ms 1000] [--requests 100] [--streams 10]
/// [--short-chunks 50] [--chunks 2000] [--rss-requests 1000] [--concurrent 100] [--peers ours,python,ccr]
/// [--ccr-version 2.0.0] [--module out/AnyClaude] [--out file.md] [--profile DIR]`.</summary>
internal sealed record SideBySideOptions
{
    public int Rounds { get; init; } = 2;
    /// <summary>Warm-up requests per proxy, in two halves each followed by <see cref="SettleMs"/> idle (the loopback
    /// harness's reason: tiered compilation promotes the hot path only after an idle moment, as between a session's turns).</summary>
    public int Warmup { get; init; } = 60;
    public int SettleMs { get; init; } = 1000;
    /// <summary>Short requests per proxy per round.</summary>
    public int Requests { get; init; } = 100;
    /// <summary>Long streams per proxy per round.</summary>
    public int Streams { get; init; } = 10;
    public int ShortChunks { get; init; } = 50;
    public int Chunks { get; init; } = 2000;
    public int RssRequests { get; init; } = 1000;
    public int Concurrent { get; init; } = 100;
    public string[] Peers { get; init; } = ["ours", "python", "ccr"];
    public string CcrVersion { get; init; } = "2.0.0";
    public string? Module { get; init; }
    public string? Out { get; init; }
    /// <summary>Profile ours into this folder instead of the side-by-side run (<see cref="ProfileRun"/>).</summary>
    public string? Profile { get; init; }

    public static SideBySideOptions Parse(string[] args)
    {
        var o = new SideBySideOptions();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var v = args[i + 1];
            o = args[i] switch
            {
                "--rounds" => o with { Rounds = int.Parse(v) },
                "--warmup" => o with { Warmup = int.Parse(v) },
                "--settle-ms" => o with { SettleMs = int.Parse(v) },
                "--requests" => o with { Requests = int.Parse(v) },
                "--streams" => o with { Streams = int.Parse(v) },
                "--short-chunks" => o with { ShortChunks = int.Parse(v) },
                "--chunks" => o with { Chunks = int.Parse(v) },
                "--rss-requests" => o with { RssRequests = int.Parse(v) },
                "--concurrent" => o with { Concurrent = int.Parse(v) },
                "--peers" => o with { Peers = v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--ccr-version" => o with { CcrVersion = v },
                "--module" => o with { Module = v },
                "--out" => o with { Out = v },
                "--profile" => o with { Profile = v },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (args.Length % 2 != 0) throw new ArgumentException($"option {args[^1]} needs a value");
        return o;
    }
}

/// <summary>
/// Ours, a plain Python translator and claude-code-router side by side in one run, each in its own process in front of
/// the same canned LM Studio backend (child process, pinned to CPU 1 like the loopback harness's): the 80 KB Claude
/// Code request, the 1st-3rd requests of a fresh process, warm-up, then measured rounds in which every iteration sends
/// one direct request and one request to each proxy (the order rotating), so load drift on the shared machine hits all
/// alike. Proxy CPU comes from /proc (<see cref="CpuReading"/>) read before and after each block; chunks/s is backend
/// chunks ÷ (response headers → last byte), as the harness's conservative rate. Prints a Markdown table.
/// </summary>
internal static class SideBySideBench
{
    internal sealed class Figures
    {
        public readonly List<double> FirstTtft = [], FirstCpu = [];
        public double FirstStreamCpu, FirstStreamRate;
        public readonly List<Stats> Ttft = [], Rate = [], Total = [];
        public readonly List<double> ShortCpu = [], StreamCpu = [];
        public int ShortDeltas, StreamDeltas;
        public ProcessSample AfterRequests;
        public ProcessSample BeforeConcurrent, AfterConcurrent;
        public long PeakConcurrentRss;
        public double ConcurrentSeconds;
        public int ConcurrentFailed;
        public string? ConcurrentFailure;
    }

    internal sealed record Block(List<StreamTiming> Direct, Dictionary<Peer, List<StreamTiming>> Timings, Dictionary<Peer, double> CpuMs);

    public static async Task<int> RunAsync(string[] args)
    {
        var o = SideBySideOptions.Parse(args);
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("side-by-side reads proxy CPU time from /proc: Linux only");
        var repo = RepoRoot();
        var module = Path.GetFullPath(o.Module ?? Path.Combine(repo, "out", "AnyClaude"), repo);
        if (o.Peers.Contains("ours") && !File.Exists(Path.Combine(module, "AnyClaude.psd1")))
            throw new InvalidOperationException($"no built module at {module}: run `dotnet pwsh -NoProfile -File ./build.ps1` first");

        if (o.Profile is not null) return await ProfileRun.RunAsync(o, repo, module, o.Profile);

        using var backend = ChildProcess.Start("loopback-backend", [], cpu: 1);
        var peers = new List<Peer>();
        try
        {
            var backendBase = new Uri($"http://127.0.0.1:{int.Parse(ChildProcess.WaitForLine(backend, "PORT "))}/");
            var loads = new List<string> { $"start {LoopbackHarness.LoadAverage()}" };
            foreach (var name in o.Peers)
            {
                peers.Add(name switch
                {
                    "ours" => Peer.StartOurs(repo, module, backendBase, o.Concurrent),
                    "python" => Peer.StartPython(repo, backendBase),
                    "ccr" => await Peer.StartCcrAsync(repo, o.CcrVersion, backendBase),
                    _ => throw new ArgumentException($"unknown peer {name} (ours, python, ccr)"),
                });
            }
            using var run = new Run(backendBase, peers);
            var figures = peers.ToDictionary(p => p, _ => new Figures());
            var direct = new List<Stats>();
            var directRate = new List<Stats>();
            var directTotal = new List<Stats>();

            // The client's own code paths first (it is the same for every proxy), so the proxies' first requests pay only their own.
            await run.UseAsync(o.ShortChunks, StreamShape.Text);
            for (var i = 0; i < 5; i++) await run.DirectAsync();

            // 1st, 2nd, 3rd request of each fresh process, then its first long stream.
            var firstDirect = new List<double>();
            for (var k = 0; k < 3; k++)
            {
                var b = await run.BlockAsync(1, pauseMs: 50);
                firstDirect.AddRange(b.Direct.Select(t => t.TtftMs));
                foreach (var p in peers)
                {
                    figures[p].FirstTtft.Add(b.Timings[p][0].TtftMs);
                    figures[p].FirstCpu.Add(b.CpuMs[p]);
                }
            }
            await run.UseAsync(o.Chunks, StreamShape.Mixed);
            var firstStream = await run.BlockAsync(1, pauseMs: 50);
            foreach (var p in peers)
            {
                figures[p].FirstStreamCpu = firstStream.CpuMs[p];
                figures[p].FirstStreamRate = Rate(o.Chunks, firstStream.Timings[p][0]);
            }

            await run.UseAsync(o.ShortChunks, StreamShape.Text);
            for (var half = 0; half < 2; half++)
            {
                await run.BlockAsync(o.Warmup / 2);
                await Task.Delay(o.SettleMs);
            }

            for (var round = 1; round <= o.Rounds; round++)
            {
                loads.Add($"round {round} {LoopbackHarness.LoadAverage()}");
                var shorts = await run.BlockAsync(o.Requests);
                await run.UseAsync(o.Chunks, StreamShape.Mixed);
                var streams = await run.BlockAsync(o.Streams);
                await run.UseAsync(o.ShortChunks, StreamShape.Text);
                direct.Add(Stats.Of(shorts.Direct.Select(t => t.TtftMs)));
                directRate.Add(Stats.Of(streams.Direct.Select(t => Rate(o.Chunks, t))));
                directTotal.Add(Stats.Of(streams.Direct.Select(t => t.TotalMs)));
                foreach (var p in peers)
                {
                    var f = figures[p];
                    f.Ttft.Add(Stats.Of(shorts.Timings[p].Select(t => t.TtftMs)));
                    f.ShortCpu.Add(shorts.CpuMs[p] / o.Requests);
                    f.StreamCpu.Add(streams.CpuMs[p] / o.Streams);
                    f.Rate.Add(Stats.Of(streams.Timings[p].Select(t => Rate(o.Chunks, t))));
                    f.Total.Add(Stats.Of(streams.Timings[p].Select(t => t.TotalMs)));
                    f.ShortDeltas = shorts.Timings[p][^1].Chunks;
                    f.StreamDeltas = streams.Timings[p][^1].Chunks;
                }
            }

            loads.Add($"memory {LoopbackHarness.LoadAverage()}");
            await run.TopUpAsync(o.RssRequests);
            foreach (var p in peers) figures[p].AfterRequests = ProcessSample.Of(p.Pid);
            await run.UseAsync(o.Chunks, StreamShape.Mixed);
            foreach (var p in peers) await run.ConcurrentAsync(p, o.Concurrent, figures[p]);
            loads.Add($"end {LoopbackHarness.LoadAverage()}");

            var report = Report(o, peers, figures, direct, directRate, directTotal, Stats.Of(firstDirect).Median, loads, repo, module);
            Console.WriteLine(report);
            if (o.Out is not null) await File.WriteAllTextAsync(o.Out, report);
            return 0;
        }
        finally
        {
            foreach (var p in peers) p.Dispose();
            backend.StandardInput.Close();
            if (!backend.WaitForExit(5000)) backend.Kill();
        }
    }

    /// <summary>Backend chunks per second from the response headers to the last byte.</summary>
    private static double Rate(int chunks, StreamTiming t) => chunks / (t.TotalMs - t.HeadersMs) * 1000;

    /// <summary>The client side: one <see cref="StreamClient"/> for the direct path and every proxy.</summary>
    internal sealed class Run(Uri backendBase, List<Peer> peers) : IDisposable
    {
        public void Dispose() => _client.Dispose();

        private readonly StreamClient _client = new();
        private readonly byte[] _anthropic = ClaudeCodeRequest.Create();
        private readonly byte[] _openAi = LoopbackRig.TranslatedBody(ClaudeCodeRequest.Create(),
            BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(backendBase, "v1"), Model = OpenAiStream.ModelId });

        public Task UseAsync(int chunks, StreamShape shape) =>
            _client.GetStringAsync(new Uri(backendBase, $"bench/use?chunks={chunks}&shape={shape}"));

        public Task<StreamTiming> DirectAsync() => _client.DirectAsync(backendBase, _openAi);

        private Task<StreamTiming> SendAsync(Peer p)
        {
            p.Requests++;
            return _client.ProxyAsync(p.BaseUrl, p.Token, _anthropic);
        }

        /// <summary>n iterations of one direct request and one request to each proxy, the proxies' order rotating; each
        /// proxy's CPU read before and after. pauseMs waits before the last reading so that work a proxy does after its
        /// last byte (records, status line) is counted (negligible over many iterations, not for one).</summary>
        public async Task<Block> BlockAsync(int n, int pauseMs = 0)
        {
            var timings = peers.ToDictionary(p => p, _ => new List<StreamTiming>(n));
            var direct = new List<StreamTiming>(n);
            var before = peers.ToDictionary(p => p, p => CpuReading.Of(p.Pid));
            for (var i = 0; i < n; i++)
            {
                direct.Add(await DirectAsync());
                for (var j = 0; j < peers.Count; j++)
                {
                    var p = peers[(i + j) % peers.Count];
                    timings[p].Add(await SendAsync(p));
                }
            }
            if (pauseMs > 0) await Task.Delay(pauseMs);
            var cpu = peers.ToDictionary(p => p, p => CpuReading.Between(before[p], CpuReading.Of(p.Pid)));
            return new Block(direct, timings, cpu);
        }

        /// <summary>Short requests, round-robin, until every proxy has served <paramref name="total"/>.</summary>
        public async Task TopUpAsync(int total)
        {
            while (peers.Any(p => p.Requests < total))
                foreach (var p in peers.Where(p => p.Requests < total))
                    await SendAsync(p);
        }

        /// <summary>n streams to one proxy at once; RSS sampled every 100 ms meanwhile and 1 s after.</summary>
        public async Task ConcurrentAsync(Peer p, int n, Figures f)
        {
            f.BeforeConcurrent = ProcessSample.Of(p.Pid);
            var peak = f.BeforeConcurrent.RssBytes;
            var clock = Stopwatch.StartNew();
            var tasks = Enumerable.Range(0, n).Select(_ => SendAsync(p)).ToArray();
            var all = Task.WhenAll(tasks);
            while (!all.IsCompleted)
            {
                peak = Math.Max(peak, ProcessSample.Of(p.Pid).RssBytes);
                await Task.WhenAny(all, Task.Delay(100));
            }
            f.ConcurrentSeconds = clock.Elapsed.TotalSeconds;
            foreach (var t in tasks)
            {
                if (t.IsCompletedSuccessfully && t.Result.Chunks > 0) continue;
                f.ConcurrentFailed++;
                f.ConcurrentFailure ??= t.Exception?.GetBaseException().Message ?? "no token";
            }
            await Task.Delay(1000);
            f.AfterConcurrent = ProcessSample.Of(p.Pid);
            f.PeakConcurrentRss = Math.Max(peak, f.AfterConcurrent.RssBytes);
        }
    }

    private static string Report(SideBySideOptions o, List<Peer> peers, Dictionary<Peer, Figures> figures, List<Stats> direct,
        List<Stats> directRate, List<Stats> directTotal, double firstDirect, List<string> loads, string repo, string module)
    {
        static string Ms(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        static string Added(double v) => (v >= 0 ? "+" : "") + v.ToString("F1", CultureInfo.InvariantCulture);
        static string K(double v) => (v / 1000).ToString("F0", CultureInfo.InvariantCulture) + "k";
        static string Mb(long bytes) => (bytes / 1048576.0).ToString("F0", CultureInfo.InvariantCulture);
        string Row(string label, Func<Figures, string> cell) =>
            $"| {label} | {string.Join(" | ", peers.Select(p => cell(figures[p])))} |";
        string Rounds(IEnumerable<double> values, Func<double, string> format) => string.Join(" → ", values.Select(format));

        var medians = direct.Select(d => d.Median).ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"""
            ## Side-by-side run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC

            - machine: {Environment.ProcessorCount} cpus ({RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.ProcessArchitecture}); load average (1/5/15 min) {string.Join("; ", loads)}
            - code: {Git(repo, "rev-parse --short HEAD")}{(Git(repo, "status --porcelain -- src") is { Length: > 0 } ? " (src/ has uncommitted changes)" : "")}; module {Path.GetRelativePath(repo, module)} built {File.GetLastWriteTimeUtc(Path.Combine(module, "AnyClaude.Cmdlets.dll")):yyyy-MM-dd HH:mm} UTC
            - request: {ClaudeCodeRequest.Create().Length:N0} bytes (Claude Code-shaped); short reply {o.ShortChunks} chunks (Text), stream {o.Chunks:N0} chunks (Mixed: reasoning, text, two tool calls); backend {(ChildProcess.CanPin ? "pinned to CPU 1" : "not pinned")}
            - schedule: 1st-3rd requests of each fresh process, its first stream, {o.Warmup} warm-up requests (two halves, {o.SettleMs} ms idle after each), then {o.Rounds} rounds of {o.Requests} short requests and {o.Streams} streams per proxy, each iteration direct + every proxy in rotating order
            - start-up: {string.Join("; ", peers.Select(p => $"{p.Name}: {p.Startup}"))}

            | per request | {string.Join(" | ", peers.Select(Title))} |
            |---|{string.Concat(peers.Select(_ => "---|"))}
            """);
        // The rounds' direct median is the reference: the direct requests between the first ones share the CPU with the
        // proxies' start-up work (JIT, tiering) and read high.
        var steady = Stats.Of(medians).Median;
        sb.AppendLine(Row($"time to first token added, short reply: 1st / 2nd / 3rd request (vs the rounds' direct {Ms(steady)} ms; direct meanwhile {Ms(firstDirect)} ms)",
            f => string.Join(" / ", f.FirstTtft.Select(t => Added(t - steady))) + " ms"));
        sb.AppendLine(Row($"time to first token added, short reply, median (round {Rounds(Enumerable.Range(1, o.Rounds).Select(r => (double)r), r => r.ToString(CultureInfo.InvariantCulture))}; direct {Rounds(medians, Ms)} ms)",
            f => Rounds(f.Ttft.Select((t, i) => t.Median - medians[i]), Added) + " ms"));
        sb.AppendLine(Row("time to first token added, p90 (per round)", f => Rounds(f.Ttft.Select((t, i) => t.P90 - direct[i].P90), Added) + " ms"));
        sb.AppendLine(Row("proxy CPU, short reply: 1st / 2nd / 3rd request", f => string.Join(" / ", f.FirstCpu.Select(Ms)) + " ms"));
        sb.AppendLine(Row("proxy CPU per short reply (per round)", f => Rounds(f.ShortCpu, Ms) + " ms"));
        sb.AppendLine(Row($"proxy CPU per {o.Chunks:N0}-chunk stream: first stream; per round", f => $"{Ms(f.FirstStreamCpu)}; {Rounds(f.StreamCpu, Ms)} ms"));
        sb.AppendLine(Row($"chunks/s relayed, {o.Chunks:N0}-chunk stream, median (direct: {Rounds(directRate.Select(r => r.Median), K)})", f => Rounds(f.Rate.Select(r => r.Median), K)));
        sb.AppendLine(Row($"{o.Chunks:N0}-chunk stream, request sent → last byte, median (direct: {Rounds(directTotal.Select(r => r.Median), Ms)} ms)", f => Rounds(f.Total.Select(r => r.Median), Ms) + " ms"));
        sb.AppendLine(Row("content_block_delta events: short reply / stream", f => $"{f.ShortDeltas} / {f.StreamDeltas:N0}"));
        sb.AppendLine(Row($"RSS after {o.RssRequests:N0} requests (threads)", f => $"{Mb(f.AfterRequests.RssBytes)} MB ({f.AfterRequests.Threads})"));
        sb.AppendLine(Row($"RSS during {o.Concurrent} concurrent {o.Chunks:N0}-chunk streams: before → peak → 1 s after", f =>
            $"{Mb(f.BeforeConcurrent.RssBytes)} → {Mb(f.PeakConcurrentRss)} → {Mb(f.AfterConcurrent.RssBytes)} MB"));
        sb.AppendLine(Row($"{o.Concurrent} concurrent streams: wall time, failed", f =>
            $"{f.ConcurrentSeconds:F1} s, {f.ConcurrentFailed}{(f.ConcurrentFailure is null ? "" : $" ({f.ConcurrentFailure})")}"));
        sb.AppendLine($"""

            Added = proxy minus direct (medians of the same block). CPU = user + system time of the proxy's process over the
            block ÷ requests (idle time of a proxy while the others are served included). chunks/s = {o.Chunks:N0} backend chunks ÷
            (response headers → last byte). ours runs with maxConcurrency {o.Concurrent} in its config file (default 1 for a
            loopback backend would queue the concurrent streams); claude-code-router drops the backend's `reasoning` deltas
            (LM Studio's field), so it relays fewer events per stream.
            """);
        return sb.ToString();

        string Title(Peer p) => p.Name switch
        {
            "ours" => "ours (Start-AnyClaude -NoLaunch)",
            "python" => "plain Python translator",
            _ => "claude-code-router " + o.CcrVersion,
        };
    }

    private static string Git(string repo, string args)
    {
        try
        {
            var info = new ProcessStartInfo("git") { WorkingDirectory = repo, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in args.Split(' ')) info.ArgumentList.Add(a);
            using var git = Process.Start(info)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }

    /// <summary>The repository root: the first folder at or above the current one (else the program's) with the solution file.</summary>
    private static string RepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "AnyClaude.PowerShell.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("run side-by-side from the repository (no AnyClaude.PowerShell.sln found above the current folder)");
    }
}
