using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Configuration;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Hosting;

/// <summary>ProxyOptions.WarmUp (issue 21): the request path runs once at start, off the user's path, and nothing of it
/// reaches the user's backend, records or files.</summary>
public sealed class WarmupTests
{
    [Fact]
    public async Task The_warm_up_serves_its_requests_without_touching_the_configured_backend_or_the_records()
    {
        await using var lm = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        lm.Enqueue(ScriptedReply.WithText("the user's first turn"));
        await using var proxy = StartProxy(lm, tweak: o => o with { WarmUp = true });

        Assert.True(await proxy.WarmedUp.WaitAsync(TimeSpan.FromSeconds(60)), "every warm-up request was answered in full");
        Assert.Empty(lm.Requests);
        Assert.Empty(proxy.GetRecords());
        Assert.Equal(BackendMode.LmStudio, proxy.Mode);

        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(false));
        Assert.Contains("the user's first turn", await response.Content.ReadAsStringAsync());
        Assert.Single(lm.ChatRequests);
        Assert.Single(proxy.GetRecords());
    }

    [Fact]
    public async Task Without_the_option_there_is_no_warm_up()
    {
        await using var lm = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var proxy = StartProxy(lm);
        Assert.True(proxy.WarmedUp.IsCompleted);
        Assert.False(await proxy.WarmedUp);
    }
}
