using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AnyClaude.Benchmarks.Loopback;
using AnyClaude.Diagnostics.Workload;

namespace AnyClaude.Benchmarks.SideBySide;

/// <summary>
/// `side-by-side --profile DIR`: ours alone, started as in the side-by-side run (the module in pwsh), profiled with the
/// repository's dotnet-trace and dotnet-counters (local tools, .config/dotnet-tools.json) in three phases: the 1st-3rd
/// short requests and the first stream of the fresh process ("first"), then after the warm-up <see cref="SideBySideOptions.Requests"/>
/// short requests ("short") and <see cref="SideBySideOptions.Streams"/> streams ("stream"). Each phase writes
/// DIR/PHASE.nettrace (CPU samples + allocation ticks), DIR/PHASE.counters.csv (System.Runtime counters each second:
/// allocated bytes, JIT, CPU, timers, thread-pool work items) and DIR/PHASE.txt (<see cref="TraceReport"/>'s top costs
/// and the counters' totals); the summary goes to the console.
/// </summary>
internal static class ProfileRun
{
    private const string Profiles = "dotnet-sampled-thread-time,gc-verbose";

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    public static async Task<int> RunAsync(SideBySideOptions o, string repo, string module, string dir)
    {
        dir = Path.GetFullPath(dir);
        Directory.CreateDirectory(dir);
        var trace = ToolDll(repo, "dotnet-trace");
        var counters = ToolDll(repo, "dotnet-counters");
        using var backend = ChildProcess.Start("loopback-backend", [], cpu: 1);
        Peer? ours = null;
        try
        {
            var backendBase = new Uri($"http://127.0.0.1:{int.Parse(ChildProcess.WaitForLine(backend, "PORT "))}/");
            ours = Peer.StartOurs(repo, module, backendBase, o.Concurrent);
            var run = new SideBySideBench.Run(backendBase, [ours]);
            var summary = new StringBuilder($"""
                ## Profile of ours {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC (pid {ours.Pid}; {ours.Startup}; load average {LoopbackHarness.LoadAverage()})

                dotnet-trace {Version(trace)} ({Profiles}), dotnet-counters {Version(counters)}; files in {dir}

                """);
            await run.UseAsync(o.ShortChunks, StreamShape.Text);
            for (var i = 0; i < 5; i++) await run.DirectAsync();

            summary.AppendLine(await PhaseAsync("first", ours, trace, counters, dir, 20, async () =>
            {
                var per = new List<string>();
                for (var k = 1; k <= 3; k++)
                {
                    var b = await run.BlockAsync(1, pauseMs: 50);
                    per.Add($"request {k}: TTFT {b.Timings[ours][0].TtftMs:F1} ms (direct {b.Direct[0].TtftMs:F1}), CPU {b.CpuMs[ours]:F1} ms");
                }
                await run.UseAsync(o.Chunks, StreamShape.Mixed);
                var s = await run.BlockAsync(1, pauseMs: 50);
                per.Add($"first {o.Chunks:N0}-chunk stream: CPU {s.CpuMs[ours]:F1} ms");
                await run.UseAsync(o.ShortChunks, StreamShape.Text);
                return (4, string.Join("; ", per));
            }));

            for (var half = 0; half < 2; half++)
            {
                await run.BlockAsync(o.Warmup / 2);
                await Task.Delay(o.SettleMs);
            }

            summary.AppendLine(await PhaseAsync("short", ours, trace, counters, dir, 30, async () =>
            {
                var b = await run.BlockAsync(o.Requests);
                return (o.Requests, $"{o.Requests} short requests: TTFT median {Stats.Of(b.Timings[ours].Select(t => t.TtftMs)).Median:F2} ms (direct {Stats.Of(b.Direct.Select(t => t.TtftMs)).Median:F2}), CPU {b.CpuMs[ours] / o.Requests:F2} ms per request (traced)");
            }));
            await run.UseAsync(o.Chunks, StreamShape.Mixed);
            summary.AppendLine(await PhaseAsync("stream", ours, trace, counters, dir, 45, async () =>
            {
                var b = await run.BlockAsync(o.Streams);
                return (o.Streams, $"{o.Streams} streams of {o.Chunks:N0} chunks: CPU {b.CpuMs[ours] / o.Streams:F1} ms per stream (traced), {b.CpuMs[ours] / o.Streams / o.Chunks * 1000:F1} µs per chunk");
            }));
            Console.WriteLine(summary);
            await File.WriteAllTextAsync(Path.Combine(dir, "summary.md"), summary.ToString());
            return 0;
        }
        finally
        {
            ours?.Dispose();
            backend.StandardInput.Close();
            if (!backend.WaitForExit(5000)) backend.Kill();
        }
    }

    /// <summary>Traces and counts one phase: trace and counters attached, 2 s idle, the work, idle until the counters'
    /// window (<paramref name="countersSeconds"/>) closes, then the trace stopped as Ctrl+C stops it.</summary>
    private static async Task<string> PhaseAsync(string name, Peer ours, string trace, string counters, string dir, int countersSeconds,
        Func<Task<(int Requests, string Figures)>> work)
    {
        var nettrace = Path.Combine(dir, name + ".nettrace");
        var csv = Path.Combine(dir, name + ".counters.csv");
        File.Delete(csv);
        // With a duration (the counters' window and a margin): on a busy machine dotnet-trace 10.0.750501 was seen to
        // ignore the Ctrl+C below and trace on; the duration ends it either way.
        using var tracer = Tool(trace, ["collect", "-p", ours.Pid.ToString(CultureInfo.InvariantCulture), "--profile", Profiles, "-o", nettrace,
            "--duration", TimeSpan.FromSeconds(countersSeconds + 5).ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture)]);
        ChildProcess.WaitForLine(tracer, "Output File");
        ChildProcess.DrainOutput(tracer);
        using var counter = Tool(counters, ["collect", "-p", ours.Pid.ToString(CultureInfo.InvariantCulture), "--format", "csv", "-o", csv,
            "--refresh-interval", "1", "--duration", TimeSpan.FromSeconds(countersSeconds).ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture)]);
        ChildProcess.WaitForLine(counter, "Starting a counter session");
        ChildProcess.DrainOutput(counter);
        await Task.Delay(2000);
        var clock = Stopwatch.StartNew();
        var from = DateTime.Now;
        var (requests, figures) = await work();
        var to = DateTime.Now;
        await File.WriteAllLinesAsync(Path.ChangeExtension(nettrace, ".window"), [from.ToString("O"), to.ToString("O")]);
        var workSeconds = clock.Elapsed.TotalSeconds;
        await counter.WaitForExitAsync();
        if (kill(tracer.Id, 2) != 0 && !tracer.HasExited) throw new InvalidOperationException($"could not stop dotnet-trace ({Marshal.GetLastPInvokeError()})");
        await tracer.WaitForExitAsync();
        var fits = workSeconds + 2 < countersSeconds ? "" : $" (the work took {workSeconds:F0} s: longer than the counters' window)";
        var text = $"### {name}\n\n{figures}\n\n{Counters(csv, requests)}{fits}\n\n```\n{TraceReport.Summarise(nettrace, 25, from, to)}```\n";
        await File.WriteAllTextAsync(Path.Combine(dir, name + ".txt"), text);
        return text;
    }

    /// <summary>Totals of the rate counters over the window (the first row, which covers the time before the session, left
    /// out) and the largest timer count, per request. Their CPU counter is left out: the trace's sampler (every thread,
    /// every millisecond) costs the idle process more than the requests do; the block's CPU comes from /proc.</summary>
    private static string Counters(string csv, int requests)
    {
        var sums = new Dictionary<string, double>();
        var maxima = new Dictionary<string, double>();
        var seen = new HashSet<string>();
        foreach (var line in File.ReadLines(csv).Skip(1))
        {
            var cells = line.Split(',');
            if (cells.Length < 5) continue;
            string counter = cells[2], type = cells[3];
            var value = double.Parse(cells[4], CultureInfo.InvariantCulture);
            if (!seen.Add(counter) && type == "Rate") sums[counter] = sums.GetValueOrDefault(counter) + value;
            if (type == "Metric") maxima[counter] = Math.Max(maxima.GetValueOrDefault(counter), value);
        }
        double Sum(string prefix) => sums.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(p => p.Value);
        double Max(string prefix) => maxima.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(p => p.Value).DefaultIfEmpty().Max();
        string Gc(string generation) => Sum($"dotnet.gc.collections ({{collection}} / 1 sec)[gc.heap.generation={generation}]").ToString("F0", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"dotnet-counters over the window, per request ({requests}): allocated {Sum("dotnet.gc.heap.total_allocated") / requests / 1024:F1} KB; "
            + $"JIT {Sum("dotnet.jit.compiled_methods") / requests:F1} methods, "
            + $"{Sum("dotnet.jit.compilation.time") * 1000 / requests:F2} ms; thread-pool work items {Sum("dotnet.thread_pool.work_item.count") / requests:F1}; "
            + $"GCs gen0/gen1/gen2 {Gc("gen0")}/{Gc("gen1")}/{Gc("gen2")} in all; timers at most {Max("dotnet.timer.count"):F0}; "
            + $"working set at most {Max("dotnet.process.memory.working_set") / 1048576:F0} MB");
    }

    /// <summary>The local tool's entry dll (restored by `dotnet tool restore`), run as `dotnet X.dll` so that the signal
    /// that stops it reaches the tool itself rather than the `dotnet tool run` launcher.</summary>
    private static string ToolDll(string repo, string tool)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(repo, ".config", "dotnet-tools.json")));
        var version = manifest.RootElement.GetProperty("tools").GetProperty(tool).GetProperty("version").GetString()!;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var root = Path.Combine(packages, tool, version, "tools");
        if (!Directory.Exists(root))
        {
            using var restore = Process.Start(new ProcessStartInfo("dotnet", "tool restore") { WorkingDirectory = repo, UseShellExecute = false })!;
            restore.WaitForExit();
        }
        return Directory.EnumerateFiles(root, tool + ".dll", SearchOption.AllDirectories).FirstOrDefault()
            ?? throw new InvalidOperationException($"{tool} {version} is not restored: run `dotnet tool restore`");
    }

    private static string Version(string dll) => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(dll))))) ?? "?";

    private static Process Tool(string dll, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardInput = true };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {dll}");
    }
}
