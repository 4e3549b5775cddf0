using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Prewarm;
using AnyClaude.Proxy.Tests.Classification;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Prewarm;

/// <summary>Prewarming the target of a mode switch: its first turn comes from the cache, and a prewarm never runs
/// alongside a request in flight on that backend.</summary>
public sealed class PrewarmTests
{
    private static readonly string s_system = "You are Claude Code. " + string.Concat(Enumerable.Repeat("Follow the repository's conventions. ", 200));

    private static ProxyServer Start(FakeOpenAiServer lmstudio, FakeOpenAiServer mlx) => ProxyServer.Start(new ProxyOptions
    {
        Mode = BackendMode.LmStudio,
        Backends = new Dictionary<BackendMode, BackendSettings>
        {
            [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(lmstudio.BaseUrl) },
            [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { BaseUrl = new Uri(mlx.BaseUrl) },
        },
    });

    private static async Task SendAsync(HttpClient client, string body)
    {
        using var r = await PostMessagesAsync(client, body);
        Assert.Equal(200, (int)r.StatusCode);
        await r.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task The_first_turn_after_a_switch_to_a_prewarmed_backend_is_served_from_its_cache()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        await using var proxy = Start(lmstudio, mlx);
        using var client = Client(proxy);
        Assert.Equal(PrewarmOutcome.NothingToWarm, await proxy.PrewarmAsync(BackendMode.MlxLm));

        var first = RequestKindTests.User("Explain the build.");
        await SendAsync(client, RequestKindTests.Turn(s_system, first));
        proxy.SetMode(BackendMode.MlxLm);
        Assert.Equal(PrewarmOutcome.Warmed, await proxy.PrewarmAsync(BackendMode.MlxLm));
        var warm = Assert.Single(mlx.ChatRequests);
        Assert.Equal(1, warm.BodyJson().RootElement.GetProperty("max_tokens").GetInt32());
        var record = proxy.GetRecords()[^1];
        Assert.Equal(RequestKind.Prewarm, record.Kind);
        Assert.Equal(BackendMode.MlxLm, record.Mode);

        await SendAsync(client, RequestKindTests.Turn(s_system, first, "{\"role\":\"assistant\",\"content\":\"It uses build.ps1.\"}", RequestKindTests.User("And the tests?")));
        var turn = mlx.ChatRequests[^1];
        var reuse = (double)turn.CachedTokens!.Value / turn.PromptTokens!.Value;
        Assert.True(reuse >= 0.9, $"the first turn after the switch reused {reuse:P0} of its prompt ({turn.CachedTokens}/{turn.PromptTokens})");
    }

    [Fact]
    public async Task A_prewarm_waits_for_the_request_in_flight_on_its_backend_and_never_overlaps_it()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        mlx.Enqueue(new ScriptedReply { Text = "slow", DelayBeforeResponse = TimeSpan.FromMilliseconds(1500) });
        await using var proxy = Start(lmstudio, mlx);
        using var client = Client(proxy);
        await SendAsync(client, RequestKindTests.Turn(s_system, RequestKindTests.User("Explain the build.")));
        proxy.SetMode(BackendMode.MlxLm);

        var inFlight = SendAsync(client, RequestKindTests.Turn("another conversation", RequestKindTests.User("busy")));
        await EventuallyAsync(() => mlx.ChatRequests.Count == 1, "the request in flight at the backend");
        var prewarm = proxy.PrewarmAsync(BackendMode.MlxLm);
        await inFlight;
        Assert.Equal(PrewarmOutcome.Warmed, await prewarm);

        Assert.Equal(1, mlx.MaxConcurrentChatRequests);
        Assert.Equal(2, mlx.ChatRequests.Count);
        Assert.True(mlx.ChatRequests[1].ReceivedAt >= mlx.ChatRequests[0].ReceivedAt.AddMilliseconds(1400), "the prewarm started before the request in flight ended");
    }

    [Fact]
    public async Task A_prewarm_gives_way_to_a_backend_that_stays_busy()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        mlx.Enqueue(new ScriptedReply { Text = "slow", DelayBeforeResponse = TimeSpan.FromMilliseconds(2000) });
        await using var proxy = Start(lmstudio, mlx);
        using var client = Client(proxy);
        await SendAsync(client, RequestKindTests.Turn(s_system, RequestKindTests.User("Explain the build.")));
        proxy.SetMode(BackendMode.MlxLm);
        var inFlight = SendAsync(client, RequestKindTests.Turn("another conversation", RequestKindTests.User("busy")));
        await EventuallyAsync(() => mlx.ChatRequests.Count == 1, "the request in flight at the backend");
        Assert.Equal(PrewarmOutcome.Busy, await proxy.PrewarmAsync(BackendMode.MlxLm, TimeSpan.FromMilliseconds(300)));
        await inFlight;
        Assert.Single(mlx.ChatRequests);
    }
}
