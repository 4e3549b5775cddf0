using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Routing;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Observability;

/// <summary>Issue 18: with no model configured, the records and the status line name the model the backend says it
/// used (LM Studio answers an id it does not serve with its loaded model), not "backend's model".</summary>
public sealed class BackendModelNameTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_turn_without_a_configured_model_is_recorded_with_the_backends_model(bool stream)
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = "qwen/qwen3-coder-30b" });
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(stream, model: ModeNames.PlaceholderModel));
        await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode);
        await EventuallyAsync(() => proxy.GetRecords().Any(r => r.Path == "/v1/messages"), "the request's record");
        var record = proxy.GetRecords().Single(r => r.Path == "/v1/messages");
        Assert.Equal("qwen/qwen3-coder-30b", record.Model);

        var modes = ModeSnapshot.From(new ProxyOptions { Mode = BackendMode.LmStudio });
        Assert.StartsWith("LmStudio · backend's model · no turn yet", StatusLine.Render(modes, null, 0));
        Assert.StartsWith("LmStudio · qwen/qwen3-coder-30b · ", StatusLine.Render(modes, record, 0));
    }
}
