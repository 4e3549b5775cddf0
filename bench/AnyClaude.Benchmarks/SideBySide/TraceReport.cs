using System.Globalization;
using System.Text;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace AnyClaude.Benchmarks.SideBySide;

/// <summary>
/// Top-N costs of a dotnet-trace nettrace (profiles dotnet-sampled-thread-time + gc-verbose), read with TraceEvent:
/// CPU by method, inclusive and exclusive, and allocations (GC AllocationTick, one event per ~100 KB allocated) by type
/// and by the allocating method. The sample profiler samples every managed thread whether it runs or waits
/// (`dotnet-trace report topN` counts both, so waits dominate it); here only samples of running threads count
/// (<see cref="IsRunning"/>). Frames of the runtime itself without symbols count as "[native]".
/// `trace-report FILE.nettrace [--top 25] [--filter AnyClaude]`.
/// </summary>
internal static class TraceReport
{
    public static int Run(string[] args)
    {
        var file = args[0];
        var top = args.Length > 2 && args[1] == "--top" ? int.Parse(args[2]) : 25;
        // side-by-side --profile leaves the measured block's span beside the trace.
        var window = Path.ChangeExtension(file, ".window");
        var span = File.Exists(window) ? File.ReadAllLines(window).Select(l => DateTime.Parse(l, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)).ToArray() : null;
        Console.WriteLine(Summarise(file, top, span?[0], span?[1]));
        return 0;
    }

    private static readonly string[] s_waits =
    [
        "WaitHandle.Wait", "LowLevelLifoSemaphore.Wait", "Monitor.Wait", "Thread.Sleep", "Thread.Join", "SpinWait",
        "LowLevelMonitor.Wait", "ManualResetEventSlim.Wait", "SemaphoreSlim.Wait", "Task.SpinThenBlockingWait",
        "Task.InternalWaitCore", "Interop+Sys.Read(", "Interop+Sys.WaitForSocketEvents", "ConsolePal", "StdInReader",
        "Interop+Sys.Poll", "Interop+Sys.WaitPid", "PortableThreadPool+GateThread", "WaitSubsystem",
        "SocketAsyncEngine.EventLoop", // the epoll thread, blocked in epoll_wait
        "PollGC", // a thread stopped for a suspension: the sampler's own, or a GC's (the GC's work is native, not counted)

    ];

    /// <summary>A thread in managed code runs, unless its innermost frames (up to 3) are a blocking call; a thread in
    /// native code ("External") runs only inside a system call the code made itself (an Interop+ frame innermost:
    /// write, rename, send), otherwise it waits. JIT compilation and the GC run in native code and are not counted here
    /// (dotnet-counters reports JIT time).</summary>
    private static bool IsRunning(string? type, IReadOnlyList<string> frames)
    {
        if (frames.Take(3).Any(f => s_waits.Any(w => f.Contains(w, StringComparison.Ordinal)))) return false;
        return type != "External" || frames[0].StartsWith("Interop+", StringComparison.Ordinal);
    }

    /// <param name="from">With <paramref name="to"/>: only events in this span of wall-clock time (the measured block).</param>
    public static string Summarise(string file, int top, DateTime? from = null, DateTime? to = null)
    {
        var etlx = TraceLog.CreateFromEventPipeDataFile(file, Path.ChangeExtension(file, ".etlx"),
            new TraceLogOptions { ConversionLog = TextWriter.Null, KeepAllEvents = true });
        using var log = new TraceLog(etlx);
        var exclusive = new Dictionary<string, int>();
        var inclusive = new Dictionary<string, int>();
        var owners = new Dictionary<string, int>();
        var allocTypes = new Dictionary<string, long>();
        var allocMethods = new Dictionary<string, long>();
        int samples = 0, waiting = 0;
        long allocated = 0;
        double first = double.MaxValue, last = 0;
        foreach (var e in log.Events)
        {
            if (from is { } f0 && e.TimeStamp < f0 || to is { } t0 && e.TimeStamp > t0) continue;
            if (e.ProviderName == "Microsoft-DotNETCore-SampleProfiler")
            {
                var frames = Frames(e.CallStack());
                if (frames.Count == 0) continue;
                first = Math.Min(first, e.TimeStampRelativeMSec);
                last = Math.Max(last, e.TimeStampRelativeMSec);
                if (!IsRunning(e.PayloadByName("Type")?.ToString(), frames)) { waiting++; continue; }
                samples++;
                Add(exclusive, frames[0], 1);
                foreach (var f in frames.Distinct()) Add(inclusive, f, 1);
                Add(owners, Owner(frames), 1);
            }
            else if (e is GCAllocationTickTraceData tick)
            {
                allocated += tick.AllocationAmount64;
                Add(allocTypes, tick.TypeName ?? "?", tick.AllocationAmount64);
                Add(allocMethods, Owner(Frames(tick.CallStack())), tick.AllocationAmount64);
            }
        }

        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{Path.GetFileName(file)}: {samples:N0} running samples ({waiting:N0} waiting, left out) over {(last - first) / 1000:F1} s{(from is null ? "" : " (the measured block)")}; {allocated / 1048576.0:F1} MB allocated (AllocationTick estimate)");
        Table(sb, "CPU, exclusive (self)", exclusive, samples, top, "samples");
        Table(sb, "CPU, inclusive", inclusive, samples, top, "samples");
        Table(sb, "CPU by the project's method that runs it (innermost AnyClaude.* frame, else the innermost outside System.*)", owners, samples, top, "samples");
        Table(sb, "allocations by type", allocTypes, allocated, top, "bytes");
        Table(sb, "allocations by allocating method (innermost AnyClaude.* frame, else the innermost outside System.*)", allocMethods, allocated, top, "bytes");
        return sb.ToString();
    }

    /// <summary>Whose work a stack is: the innermost frame of the project's code, else the innermost outside the BCL and runtime.</summary>
    private static string Owner(List<string> frames) =>
        frames.FirstOrDefault(f => f.StartsWith("AnyClaude.", StringComparison.Ordinal))
        ?? frames.FirstOrDefault(f => !f.StartsWith("System.", StringComparison.Ordinal) && f != "[native]") ?? frames.FirstOrDefault() ?? "?";

    private static void Table(StringBuilder sb, string title, Dictionary<string, int> counts, int total, int top, string unit) =>
        Table(sb, title, counts.ToDictionary(p => p.Key, p => (long)p.Value), total, top, unit);

    private static void Table(StringBuilder sb, string title, Dictionary<string, long> counts, long total, int top, string unit)
    {
        sb.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"{title} ({unit}, % of {total:N0})");
        foreach (var (name, n) in counts.OrderByDescending(p => p.Value).Take(top))
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {100.0 * n / Math.Max(1, total),6:F1}%  {n,12:N0}  {name}");
    }

    private static void Add<T>(Dictionary<string, T> map, string key, T value) where T : System.Numerics.INumber<T> =>
        map[key] = map.TryGetValue(key, out var old) ? old + value : value;

    /// <summary>Method names, innermost first; frames without a method name collapse into one "[native]".</summary>
    private static List<string> Frames(TraceCallStack? stack)
    {
        var frames = new List<string>();
        for (; stack is not null; stack = stack.Caller)
        {
            var method = stack.CodeAddress.FullMethodName;
            var name = string.IsNullOrEmpty(method) ? "[native]" : Shorten(method);
            if (frames.Count == 0 || frames[^1] != name) frames.Add(name);
        }
        return frames;
    }

    /// <summary>Namespace.Type.Method without the parameter list.</summary>
    private static string Shorten(string method)
    {
        var paren = method.IndexOf('(');
        return paren > 0 ? method[..paren] : method;
    }
}
