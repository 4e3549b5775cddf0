using AnyClaude.Benchmarks;
using AnyClaude.Benchmarks.Loopback;
using AnyClaude.Benchmarks.SideBySide;
using BenchmarkDotNet.Running;

// Modes: (default) BenchmarkDotNet switcher; "loopback" end-to-end harness; "workloads" sizes;
// "loopback-baseline" times a bare HttpListener; "side-by-side" runs ours (the built module in pwsh), a plain Python
// translator and claude-code-router in front of one canned backend; "trace-report" sums up a dotnet-trace nettrace; "loopback-backend", "loopback-tagged-backend" and "loopback-throughput" are the
// harness's own child processes.
return args.FirstOrDefault() switch
{
    "workloads" => WorkloadReport.Print(),
    "loopback" => await LoopbackHarness.RunAsync(args[1..]),
    "loopback-backend" => await CannedBackend.ServeAsync(),
    "loopback-tagged-backend" => await TaggedBackend.ServeAsync(),
    "loopback-throughput" => await ThroughputProbe.RunChildAsync(args[1..]),
    "loopback-baseline" => await ListenerBaseline.RunAsync(args[1..]),
    "side-by-side" => await SideBySideBench.RunAsync(args[1..]),
    "trace-report" => TraceReport.Run(args[1..]),
    _ => RunBenchmarks(args),
};

static int RunBenchmarks(string[] args)
{
    var summaries = BenchmarkSwitcher.FromAssembly(typeof(WorkloadReport).Assembly).Run(args, BenchConfig.Create());
    return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
}
