using System.Net.Sockets;
using AnyClaude.Proxy.Configuration;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Hosting;

/// <summary>Issue 8, item 4: the stall timeout is set per mode and tells prompt processing (silent for minutes on
/// LM Studio, legitimately) from silence in the middle of generation.</summary>
public sealed class StallTimeoutTests
{
    private static async Task WriteAsync(NetworkStream s, params byte[][] parts)
    {
        foreach (var p in parts) { await s.WriteAsync(p); await s.FlushAsync(); }
    }

    private static Func<ProxyOptions, ProxyOptions> GenerationStall(TimeSpan stall) => o => o with
    {
        Backends = o.Backends.ToDictionary(kv => kv.Key, kv => kv.Value with { StallTimeout = stall }),
    };

    [Fact]
    public async Task Silence_in_the_middle_of_generation_ends_after_the_modes_stall_timeout()
    {
        await using var backend = new RawBackend(async (s, ct) =>
        {
            await WriteAsync(s, RawBackend.SseHead, RawBackend.Chunk("Hello "));
            await Task.Delay(TimeSpan.FromSeconds(30), ct); // hung mid-generation
        });
        await using var proxy = backend.StartProxy(tweak: GenerationStall(TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromSeconds(1), proxy.GetBackend(BackendMode.OpenAICompatible).StallTimeout);
        var result = await RawClient.ExchangeAsync(proxy, RawClient.Post(proxy, "/v1/messages", Body(true)), TimeSpan.FromSeconds(25));
        var events = Events(result.Body);
        Assert.Equal("Hello ", TextOf(events));
        var error = Assert.Single(events, e => e.Event == "error");
        Assert.Equal("timeout_error", error.Data.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("sent nothing for 1 s", error.Data.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Silence_before_the_first_token_is_prompt_processing_and_is_allowed_longer()
    {
        await using var backend = new RawBackend(async (s, ct) =>
        {
            await WriteAsync(s, RawBackend.SseHead);
            await Task.Delay(TimeSpan.FromSeconds(3), ct); // processing the prompt, no keepalives (LM Studio)
            await WriteAsync(s, RawBackend.Chunk("Hello"), RawBackend.Chunk("", "stop"), "data: [DONE]\n\n"u8.ToArray());
        });
        await using var proxy = backend.StartProxy(tweak: GenerationStall(TimeSpan.FromSeconds(1)));
        var result = await RawClient.ExchangeAsync(proxy, RawClient.Post(proxy, "/v1/messages", Body(true)), TimeSpan.FromSeconds(25));
        var events = Events(result.Body);
        Assert.DoesNotContain(events, e => e.Event == "error");
        Assert.Equal("Hello", TextOf(events));
        Assert.Equal("message_stop", events[^1].Event);
    }

    [Fact]
    public void Stall_limits_use_the_modes_value_and_never_wait_less_for_the_first_token()
    {
        var options = new ProxyOptions();
        var lm = BackendSettings.Default(BackendMode.LmStudio);
        Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(3)), options.StallLimits(lm));
        Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(30)), options.StallLimits(lm with { StallTimeout = TimeSpan.FromSeconds(30) }));
        Assert.Equal((TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(20)), options.StallLimits(lm with { StallTimeout = TimeSpan.FromMinutes(20) }));
        Assert.Throws<ArgumentException>(() =>
        {
            using var proxy = AnyClaude.Proxy.Hosting.ProxyServer.Start(new ProxyOptions());
            proxy.Configure(lm with { StallTimeout = TimeSpan.Zero });
        });
    }
}
