using System.Diagnostics;

namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// Waits out simulated durations. Sub-millisecond costs (20 µs per token by default) are accumulated against a
/// stopwatch and slept in batches, because timers cannot wait for microseconds. Every duration is multiplied by
/// the scale (FakeServerOptions.TimeScale).
/// </summary>
internal sealed class Pacer(double scale = 1)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _dueMicroseconds;

    public async Task WaitAsync(double microseconds, CancellationToken ct)
    {
        _dueMicroseconds += microseconds * scale;
        var ahead = _dueMicroseconds - _clock.Elapsed.TotalMicroseconds;
        if (ahead >= 1000)
        {
            await Task.Delay(TimeSpan.FromMicroseconds(ahead), ct);
        }
    }
}
