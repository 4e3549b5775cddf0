using System.Text.Json;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>Result of the one-core relay measurement (all rates in backend chunks per second).</summary>
internal sealed record ThroughputResult(string Cpus, int ProcessorCount, int Chunks, int Runs,
    double DirectMedianRate, double DirectP90Ms, double ProxyMedianRate, double ProxyMinRate,
    double DirectMedianMs, double ProxyMedianMs, double ProxyP90Ms, int ProxyDeltaEvents,
    double DirectWholeMs, double ProxyWholeMs, double DirectWholeRate, double ProxyWholeRate);

/// <summary>
/// Streams a canned N-chunk reply direct and through the proxy, alternating, and reports how fast the
/// stream body arrives (first token to last byte). Meant to run in a process pinned to one CPU (the
/// harness starts it under taskset -c 0 while the backend runs on the other CPU), so the proxy, its
/// HttpListener and the client share one core, the way a single busy core would.
/// </summary>
internal static class ThroughputProbe
{
    /// <summary>Child mode: args backendBase chunks runs; prints "RESULT {json}".</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var backend = new Uri(args[0]);
        int chunks = int.Parse(args[1]), runs = int.Parse(args[2]);
        await using var rig = LoopbackRig.Create(backend);
        var result = await MeasureAsync(rig, chunks, runs);
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(result));
        return 0;
    }

    public static async Task<ThroughputResult> MeasureAsync(LoopbackRig rig, int chunks, int runs)
    {
        await rig.UseStreamAsync(chunks);
        for (var i = 0; i < 5; i++) { await rig.DirectAsync(); await rig.ProxiedAsync(); }
        var direct = new List<StreamTiming>();
        var proxied = new List<StreamTiming>();
        for (var i = 0; i < runs; i++)
        {
            direct.Add(await rig.DirectAsync());
            proxied.Add(await rig.ProxiedAsync());
        }
        var d = Stats.Of(direct.Select(t => t.StreamingMs));
        var p = Stats.Of(proxied.Select(t => t.StreamingMs));
        // Conservative: from the response headers (message_start through the proxy) to the last byte. It includes
        // the backend call and any write-coalescing stall, which first-token-to-end can hide when a stalled
        // first write lets the rest pile up and arrive in one burst.
        var dw = Stats.Of(direct.Select(t => t.TotalMs - t.HeadersMs));
        var pw = Stats.Of(proxied.Select(t => t.TotalMs - t.HeadersMs));
        return new ThroughputResult(ChildProcess.AllowedCpus(), Environment.ProcessorCount, chunks, runs,
            DirectMedianRate: chunks / d.Median * 1000, DirectP90Ms: d.P90,
            ProxyMedianRate: chunks / p.Median * 1000, ProxyMinRate: chunks / p.Max * 1000,
            DirectMedianMs: d.Median, ProxyMedianMs: p.Median, ProxyP90Ms: p.P90,
            ProxyDeltaEvents: proxied[^1].Chunks,
            DirectWholeMs: dw.Median, ProxyWholeMs: pw.Median,
            DirectWholeRate: chunks / dw.Median * 1000, ProxyWholeRate: chunks / pw.Median * 1000);
    }
}
