using AnyClaude.Diagnostics.Workload;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>Per-token lateness when the backend paces tokens like a model (one every gap ms).</summary>
internal sealed record PacingResult(int Tokens, int GapMs, int Runs, Stats AddedPerToken, Stats AddedAfterFirst, Stats DirectGaps, Stats ProxyGaps);

/// <summary>
/// A fast stream hides write coalescing; a paced one shows it. Each token's arrival (ms since the request
/// was sent) is taken per run; the per-token median over runs direct is subtracted from the same through
/// the proxy, giving how late the proxy delivers each token. Inter-arrival gaps show smoothness.
/// </summary>
internal static class PacingProbe
{
    public static async Task<PacingResult> MeasureAsync(LoopbackRig rig, int chunks, int gapMs, int runs)
    {
        await rig.UseStreamAsync(chunks, gapMs, StreamShape.Text);
        var tokens = chunks - 3; // role, finish and usage chunks carry no token
        var direct = new List<List<double>>();
        var proxied = new List<List<double>>();
        await rig.DirectAsync();
        await rig.ProxiedAsync();
        for (var r = 0; r < runs; r++)
        {
            var d = new List<double>();
            await rig.DirectAsync(d);
            direct.Add(d.Take(tokens).ToList());
            var p = new List<double>();
            await rig.ProxiedAsync(p);
            proxied.Add(p.Take(tokens).ToList());
        }
        double MedianAt(List<List<double>> runsOf, int i) => Stats.Of(runsOf.Select(a => a[i])).Median;
        var added = Enumerable.Range(0, tokens).Select(i => MedianAt(proxied, i) - MedianAt(direct, i)).ToList();
        // Relative to each path's own first token: the relay's delay on later tokens, without the fixed
        // start-up offset (request translation, first-token delay) that shifts every token alike.
        var afterFirst = added.Skip(1).Select(a => a - added[0]);
        static IEnumerable<double> Gaps(List<List<double>> all) => all.SelectMany(a => a.Zip(a.Skip(1), (x, y) => y - x));
        return new PacingResult(tokens, gapMs, runs, Stats.Of(added), Stats.Of(afterFirst), Stats.Of(Gaps(direct)), Stats.Of(Gaps(proxied)));
    }
}
