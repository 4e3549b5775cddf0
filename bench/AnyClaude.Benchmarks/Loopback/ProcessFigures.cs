using System.Diagnostics;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>One look at this process (the proxy runs in it): resident set, GC heap (no collection forced), OS
/// threads, open sockets. On Linux from /proc (what `ps`/`top` show); elsewhere from Process, sockets unknown (-1).</summary>
internal readonly record struct ProcessSample(double Seconds, long RssBytes, long GcHeapBytes, int Threads, int Sockets)
{
    private static readonly Stopwatch s_clock = Stopwatch.StartNew();

    public static ProcessSample Take()
    {
        long rss = 0;
        var threads = 0;
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = long.Parse(line[6..].Trim().Split(' ')[0]) * 1024;
                else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = int.Parse(line[8..].Trim());
            }
        }
        else
        {
            using var self = Process.GetCurrentProcess();
            rss = self.WorkingSet64;
            threads = self.Threads.Count;
        }
        return new ProcessSample(s_clock.Elapsed.TotalSeconds, rss, GC.GetTotalMemory(forceFullCollection: false), threads, CountSockets());
    }

    /// <summary>File descriptors of this process that are sockets (listening, accepted and client ends alike).</summary>
    private static int CountSockets()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
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
