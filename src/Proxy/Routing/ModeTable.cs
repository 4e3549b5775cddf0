using System.Collections.Immutable;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Routing;

/// <summary>The active mode and every mode's settings: one immutable snapshot, swapped atomically, so a
/// request reads a consistent view without locks and requests in flight keep the snapshot they started with.</summary>
internal sealed record ModeSnapshot(BackendMode Active, ImmutableDictionary<BackendMode, BackendSettings> Backends)
{
    public BackendSettings Get(BackendMode mode) =>
        Backends.TryGetValue(mode, out var s) ? s : BackendSettings.Default(mode);

    public static ModeSnapshot From(ProxyOptions options)
    {
        var builder = ImmutableDictionary.CreateBuilder<BackendMode, BackendSettings>();
        foreach (var mode in Enum.GetValues<BackendMode>()) builder[mode] = options.GetBackend(mode);
        return new ModeSnapshot(options.Mode, builder.ToImmutable());
    }
}

/// <summary>Holds the current <see cref="ModeSnapshot"/>; writers swap with compare-and-exchange.</summary>
internal sealed class ModeTable(ModeSnapshot initial)
{
    private ModeSnapshot _current = initial;

    public ModeSnapshot Current => Volatile.Read(ref _current);

    public void Update(Func<ModeSnapshot, ModeSnapshot> change)
    {
        while (true)
        {
            var before = Volatile.Read(ref _current);
            var after = change(before);
            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, after, before), before)) return;
        }
    }
}
