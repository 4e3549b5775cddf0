using System.Text.Json;
using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Hosting;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Sdk;

/// <summary>The official Anthropic C# SDK as a client of the running proxy (in front of the fake LM Studio).</summary>
public sealed class AnthropicSdkTests
{
    private static AnthropicClient Sdk(ProxyServer proxy, string? token = null) => new(new ClientOptions
    {
        BaseUrl = proxy.BaseUrl.AbsoluteUri.TrimEnd('/'),
        ApiKey = token ?? proxy.Token,
        MaxRetries = 0,
        Timeout = TimeSpan.FromSeconds(60),
    });

    /// <summary>Request parameters from the JSON a client would send (the SDK's raw-body entry point).</summary>
    private static MessageCreateParams Params(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var body = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        return MessageCreateParams.FromRawUnchecked(new Dictionary<string, JsonElement>(), new Dictionary<string, JsonElement>(), body);
    }

    private const string Weather =
        "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather for a city\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}]";

    [Fact]
    public async Task Non_streaming_text()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(ScriptedReply.WithText("Hello from the local model."));
        await using var proxy = StartProxy(fake);
        using var client = Sdk(proxy);
        var message = await client.Messages.Create(Params(Body(false, "Say hello")));
        var text = string.Concat(message.Content.Select(b => b.TryPickText(out var t) ? t.Text : ""));
        Assert.Equal("Hello from the local model.", text);
        Assert.Equal("end_turn", message.StopReason!.Raw());
        Assert.True(message.Usage.OutputTokens > 0);
    }

    [Fact]
    public async Task Streaming_text()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        fake.Enqueue(ScriptedReply.WithText("Streamed through the proxy."));
        await using var proxy = StartProxy(fake, Configuration.BackendMode.MlxLm);
        using var client = Sdk(proxy);
        var text = "";
        var sawStart = false;
        var sawStop = false;
        await foreach (var e in client.Messages.CreateStreaming(Params(Body(true, "Stream please"))))
        {
            if (e.TryPickStart(out _)) sawStart = true;
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var t)) text += t.Text;
            if (e.TryPickStop(out _)) sawStop = true;
        }
        Assert.True(sawStart);
        Assert.True(sawStop);
        Assert.Equal("Streamed through the proxy.", text);
    }

    [Fact]
    public async Task Tool_use_round_trip()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(ScriptedReply.WithToolCalls(new ScriptedToolCall("get_weather", """{"city":"Oslo"}""")),
                     ScriptedReply.WithText("It is 3 degrees in Oslo."));
        await using var proxy = StartProxy(fake);
        using var client = Sdk(proxy);

        var first = await client.Messages.Create(Params(Body(false, "Weather in Oslo?", extra: Weather)));
        Assert.Equal("tool_use", first.StopReason!.Raw());
        var call = first.Content.Select(b => b.TryPickToolUse(out var u) ? u : null).Single(u => u is not null)!;
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Oslo", call.Input["city"].GetString());

        var followUp = $$$"""
            {"model":"claude-sonnet-4-5","max_tokens":1024,{{{Weather}}},"messages":[
              {"role":"user","content":"Weather in Oslo?"},
              {"role":"assistant","content":[{"type":"tool_use","id":{{{JsonSerializer.Serialize(call.ID)}}},"name":"get_weather","input":{"city":"Oslo"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":{{{JsonSerializer.Serialize(call.ID)}}},"content":"3 degrees, light snow"}]}]}
            """;
        var second = await client.Messages.Create(Params(followUp));
        Assert.Equal("It is 3 degrees in Oslo.", string.Concat(second.Content.Select(b => b.TryPickText(out var t) ? t.Text : "")));
        var backendSaw = fake.ChatRequests[1].Body;
        Assert.Contains("3 degrees, light snow", backendSaw);
        Assert.Contains("get_weather", backendSaw);
    }

    [Fact]
    public async Task Backend_rate_limit_surfaces_as_the_sdks_rate_limit_exception()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(ScriptedReply.WithError(429, "Model is busy"));
        await using var proxy = StartProxy(fake);
        using var client = Sdk(proxy);
        var e = await Assert.ThrowsAsync<AnthropicRateLimitException>(() => client.Messages.Create(Params(Body(false))));
        Assert.Contains("Model is busy", e.ResponseBody);
    }

    [Fact]
    public async Task A_wrong_token_surfaces_as_the_sdks_unauthorized_exception()
    {
        await using var proxy = ProxyServer.Start(new Configuration.ProxyOptions());
        using var client = Sdk(proxy, token: "definitely-not-the-token");
        await Assert.ThrowsAsync<AnthropicUnauthorizedException>(() => client.Messages.Create(Params(Body(false))));
    }

    [Fact]
    public async Task Context_overflow_surfaces_as_a_bad_request_with_the_parsable_message()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var proxy = StartProxy(fake, backend: b => b with { ContextWindow = 10 });
        using var client = Sdk(proxy);
        var e = await Assert.ThrowsAsync<AnthropicBadRequestException>(() =>
            client.Messages.Create(Params(Body(false, string.Join(' ', Enumerable.Repeat("long prompt", 50)), maxTokens: 64000))));
        Assert.Matches(@"prompt is too long: \d+ tokens > 10 maximum", e.ResponseBody);
    }
}
