using System.Diagnostics;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>One look at a process (this one: the proxy runs in it; or another one's, <see cref="Of"/>): resident set,
/// GC heap (no collection forced; -1 for another process), OS threads, open sockets. On Linux from /proc (what
/// `ps`/`top` show); elsewhere from Process, sockets unknown (-1).</summary>
internal readonly record struct ProcessSample(double Seconds, long RssBytes, long GcHeapBytes, int Threads, int Sockets)
{
    private static readonly Stopwatch s_clock = Stopwatch.StartNew();

    public static ProcessSample Take() => Read("self", GC.GetTotalMemory(forceFullCollection: false));

    /// <summary>Another process (a proxy of the side-by-side benchmark), by id; its GC heap is not visible (-1).</summary>
    public static ProcessSample Of(int pid) => Read(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), -1);

    private static ProcessSample Read(string proc, long gcHeap)
    {
        long rss = 0;
        var threads = 0;
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines($"/proc/{proc}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = long.Parse(line[6..].Trim().Split(' ')[0]) * 1024;
                else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = int.Parse(line[8..].Trim());
            }
        }
        else
        {
            using var process = proc == "self" ? Process.GetCurrentProcess() : Process.GetProcessById(int.Parse(proc));
            rss = process.WorkingSet64;
            threads = process.Threads.Count;
        }
        return new ProcessSample(s_clock.Elapsed.TotalSeconds, rss, gcHeap, threads, CountSockets(proc));
    }

    /// <summary>File descriptors of the process that are sockets (listening, accepted and client ends alike).</summary>
    private static int CountSockets(string proc)
    {
        if (!OperatingSystem.IsLinux()) return -1;
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{proc}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal)) count++;
            }
            catch (IOException) { /* closed meanwhile */ }
            catch (UnauthorizedAccessException) { }
        }
        return count;
    }

    public double RssMb => RssBytes / 1048576.0;
    public double GcHeapMb => GcHeapBytes / 1048576.0;
}

/// <summary>
/// CPU time a process has used (user + system, all threads), Linux only. Two readings, because neither alone is exact
/// over both short and long spans: /proc/PID/stat's utime + stime (in 10 ms clock ticks, USER_HZ = 100 on Linux;
/// includes threads that have exited) and the sum of the live threads' /proc/PID/task/TID/schedstat run time
/// (nanoseconds; loses a thread's time once it exits, e.g. a retired thread-pool thread or a finished connection
/// thread). <see cref="Between"/> takes the nanosecond sum unless the tick count shows more time than that (a thread
/// exited in between).
/// </summary>
internal readonly record struct CpuReading(double TicksMs, double ThreadsMs)
{
    public static CpuReading Of(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = (long.Parse(fields[11]) + long.Parse(fields[12])) * 10.0;
        long ns = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try { ns += long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0]); }
            catch (IOException) { /* the thread exited meanwhile */ }
        }
        return new CpuReading(ticks, ns / 1e6);
    }

    /// <summary>CPU ms used between two readings of the same process.</summary>
    public static double Between(CpuReading before, CpuReading after)
    {
        double threads = after.ThreadsMs - before.ThreadsMs, ticks = after.TicksMs - before.TicksMs;
        return ticks - threads > 20 ? ticks : threads;
    }
}
