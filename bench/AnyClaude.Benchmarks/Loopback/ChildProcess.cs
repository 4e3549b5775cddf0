using System.Diagnostics;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>Starts this program again in another mode, optionally pinned to one CPU with taskset
/// (inherited by every thread, unlike Process.ProcessorAffinity on Linux, which pins one thread).</summary>
internal static class ChildProcess
{
    public static bool CanPin => OperatingSystem.IsLinux() && Environment.ProcessorCount >= 2 && File.Exists("/usr/bin/taskset");

    public static Process Start(string mode, IEnumerable<string> args, int? cpu)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("unknown process path");
        var argv = new List<string>();
        // Under `dotnet X.dll` the process is the host; pass the assembly as its first argument.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") argv.Add(typeof(ChildProcess).Assembly.Location);
        argv.Add(mode);
        argv.AddRange(args);

        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        if (cpu is int c && CanPin)
        {
            info.FileName = "/usr/bin/taskset";
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(c.ToString());
            info.ArgumentList.Add(self);
        }
        else
        {
            info.FileName = self;
        }
        foreach (var a in argv) info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {mode}");
    }

    /// <summary>Reads stdout lines until one starts with prefix; returns the rest of that line.</summary>
    public static string WaitForLine(Process process, string prefix)
    {
        while (process.StandardOutput.ReadLine() is { } line)
            if (line.StartsWith(prefix, StringComparison.Ordinal)) return line[prefix.Length..];
        throw new InvalidOperationException($"child exited ({process.ExitCode}) before printing {prefix}");
    }

    /// <summary>Reads the rest of stdout in the background so a chatty child never blocks on a full pipe.</summary>
    public static void DrainOutput(Process process) => _ = Task.Run(async () =>
    {
        try { while (await process.StandardOutput.ReadLineAsync() is not null) { } }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
    });

    /// <summary>The CPUs this process may run on, as the kernel reports them.</summary>
    public static string AllowedCpus()
    {
        if (!OperatingSystem.IsLinux()) return Environment.ProcessorCount + " cpus";
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        return line?.Split(':', 2)[1].Trim() ?? "?";
    }
}
