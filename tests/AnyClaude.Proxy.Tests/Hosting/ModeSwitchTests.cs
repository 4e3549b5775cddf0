using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Hosting;

public sealed class ModeSwitchTests
{
    private static ProxyServer StartBoth(FakeOpenAiServer lm, FakeOpenAiServer mlx, BackendMode active) =>
        ProxyServer.Start(new ProxyOptions
        {
            Mode = active,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(lm.BaseUrl) },
                [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { BaseUrl = new Uri(mlx.BaseUrl) },
            },
        });

    [Fact]
    public async Task SetMode_moves_new_requests_and_a_model_naming_a_mode_overrides_the_active_one()
    {
        await using var lm = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        await using var proxy = StartBoth(lm, mlx, BackendMode.LmStudio);
        using var client = Client(proxy);

        using (var r = await PostMessagesAsync(client, Body(false))) Assert.Equal(200, (int)r.StatusCode);
        using (var r = await PostMessagesAsync(client, Body(false, model: "mlx-lm"))) Assert.Equal(200, (int)r.StatusCode);
        proxy.SetMode(BackendMode.MlxLm);
        Assert.Equal(BackendMode.MlxLm, proxy.Mode);
        using (var r = await PostMessagesAsync(client, Body(false))) Assert.Equal(200, (int)r.StatusCode);
        using (var r = await PostMessagesAsync(client, Body(false, model: "lmstudio"))) Assert.Equal(200, (int)r.StatusCode);

        Assert.Equal(2, lm.ChatRequests.Count);
        Assert.Equal(2, mlx.ChatRequests.Count);
        Assert.Equal([BackendMode.LmStudio, BackendMode.MlxLm, BackendMode.MlxLm, BackendMode.LmStudio], proxy.GetRecords().Select(r => r.Mode));
    }

    [Fact]
    public async Task A_request_in_flight_finishes_where_it_started_when_the_mode_switches()
    {
        await using var lm = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        lm.Enqueue(new ScriptedReply { Text = "slow lm answer", DelayBeforeResponse = TimeSpan.FromMilliseconds(700) });
        await using var proxy = StartBoth(lm, mlx, BackendMode.LmStudio);
        using var client = Client(proxy);
        var inFlight = PostMessagesAsync(client, Body(false));
        await EventuallyAsync(() => lm.ChatRequests.Count == 1, "the request to reach LM Studio");
        proxy.SetMode(BackendMode.MlxLm);
        using var response = await inFlight;
        Assert.Contains("slow lm answer", await response.Content.ReadAsStringAsync());
        Assert.Empty(mlx.ChatRequests);
        Assert.Equal(BackendMode.LmStudio, proxy.GetRecords().Single().Mode);
    }

    [Fact]
    public async Task Configure_replaces_a_modes_settings_at_run_time()
    {
        await using var first = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var second = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var proxy = StartProxy(first);
        proxy.Configure(proxy.GetBackend(BackendMode.LmStudio) with { BaseUrl = new Uri(second.BaseUrl), ToolCalls = ToolCallMode.Off });
        using var client = Client(proxy);
        using (var r = await PostMessagesAsync(client, Body(false))) Assert.Equal(200, (int)r.StatusCode);
        Assert.Empty(first.ChatRequests);
        Assert.Single(second.ChatRequests);
        Assert.Equal(ToolCallMode.Off, proxy.ActiveBackend.ToolCalls);
    }
}
