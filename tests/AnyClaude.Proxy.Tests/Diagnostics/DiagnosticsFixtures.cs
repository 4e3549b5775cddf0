using System.Net;
using System.Net.Sockets;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Tests.Diagnostics;

/// <summary>Fake backends and settings pointing at them.</summary>
internal static class DiagnosticsFixtures
{
    public const string Model = "qwen/qwen3-8b";

    public static FakeOpenAiServer Fake(FakeFlavor flavor, Func<FakeServerOptions, FakeServerOptions>? tweak = null)
    {
        var options = new FakeServerOptions { Flavor = flavor, Model = Model };
        return FakeOpenAiServer.Start(tweak?.Invoke(options) ?? options);
    }

    public static BackendSettings Settings(FakeOpenAiServer fake, string? model = Model) =>
        BackendSettings.Default(fake.Options.Flavor == FakeFlavor.MlxLm ? BackendMode.MlxLm : BackendMode.LmStudio) with
        {
            BaseUrl = new Uri(fake.BaseUrl),
            Model = model,
        };

    /// <summary>Settings for a port nothing listens on: a backend that is down.</summary>
    public static BackendSettings Down(BackendMode mode) =>
        BackendSettings.Default(mode) with { BaseUrl = new Uri($"http://127.0.0.1:{FreePort()}/v1") };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Generous: a hang fails the test instead of blocking the run.</summary>
    public static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;
}
