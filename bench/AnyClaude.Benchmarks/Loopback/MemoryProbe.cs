using System.Diagnostics;
using AnyClaude.Diagnostics.Workload;

namespace AnyClaude.Benchmarks.Loopback;

internal readonly record struct MemorySample(int Requests, long ManagedBytes, long WorkingSetBytes);

/// <summary>Runs many proxied requests and samples the managed heap (after a full, compacting
/// collection) and the working set at fixed intervals. Flat means no per-request leak.</summary>
internal static class MemoryProbe
{
    /// <param name="distinct">0: the same request every time (one long conversation's steady state);
    /// N: rotate through N different conversations, so per-conversation caches keep filling.</param>
    public static async Task<List<MemorySample>> MeasureAsync(LoopbackRig rig, int requests, int every, int chunks, int distinct = 0)
    {
        var bodies = Enumerable.Range(1, distinct)
            .Select(seed => ClaudeCodeRequest.Create(new() { Seed = 90_000 + seed })).ToArray();
        Task<StreamTiming> Send(int i) => distinct == 0 ? rig.ProxiedAsync() : rig.ProxiedAsync(bodies[i % distinct]);
        await rig.UseStreamAsync(chunks);
        for (var i = 0; i < 20; i++) await rig.ProxiedAsync();
        var samples = new List<MemorySample> { Sample(0) };
        for (var i = 1; i <= requests; i++)
        {
            await Send(i);
            if (i % every == 0) samples.Add(Sample(i));
        }
        return samples;
    }

    private static MemorySample Sample(int requests)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var managed = GC.GetTotalMemory(forceFullCollection: true);
        using var self = Process.GetCurrentProcess();
        return new MemorySample(requests, managed, self.WorkingSet64);
    }
}
