namespace AnyClaude.Benchmarks.Loopback;

/// <summary>Order statistics of a sample (nearest-rank percentiles).</summary>
internal readonly record struct Stats(double Median, double P90, double P99, double Min, double Max, int Count)
{
    public static Stats Of(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return default;
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Stats(Rank(0.5), Rank(0.9), Rank(0.99), sorted[0], sorted[^1], sorted.Length);
    }
}
