using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Classification;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using Xunit;
using static AnyClaude.Proxy.Tests.Conversation;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Classification;

/// <summary>Every request is recorded with its kind, told from role model ids, max_tokens and conversation identity.</summary>
public sealed class RequestKindTests
{
    private static async Task<RequestRecord> SendAsync(HttpClient client, ProxyServer proxy, string body, string path = "/v1/messages?beta=true")
    {
        var before = proxy.GetRecords().Count;
        using (var r = await client.PostAsync(path, Json(body))) await r.Content.ReadAsStringAsync();
        await EventuallyAsync(() => proxy.GetRecords().Count > before, "the record");
        return proxy.GetRecords()[^1];
    }

    private static HttpClient SessionClient(ProxyServer proxy, string session)
    {
        var client = Client(proxy);
        client.DefaultRequestHeaders.Add("X-Claude-Code-Session-Id", session);
        return client;
    }

    [Fact]
    public async Task The_background_role_id_names_its_kind_and_reaches_the_backend_as_the_modes_model()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = "qwen3-coder" });
        await using var proxy = StartProxy(fake, backend: b => b with { Model = "qwen3-coder" });
        using var client = Client(proxy);
        var record = await SendAsync(client, proxy, Body(true, "Summarise this", model: RoleModelIds.Background));
        Assert.Equal(RequestKind.Background, record.Kind);
        Assert.Equal(200, record.Status);
        Assert.Equal("qwen3-coder", fake.ChatRequests[^1].BodyJson().RootElement.GetProperty("model").GetString());
        Assert.DoesNotContain("anyclaude-background", fake.ChatRequests[^1].Body);
    }

    [Fact]
    public async Task The_sub_agent_role_id_names_its_kind_and_never_reaches_the_backend()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        await using var proxy = StartProxy(fake, BackendMode.MlxLm);
        using var client = Client(proxy);
        var record = await SendAsync(client, proxy, Body(true, "Find the tests", model: RoleModelIds.SubAgent, extra: Tools));
        Assert.Equal(RequestKind.SubAgent, record.Kind);
        Assert.Equal(200, record.Status);
        // mlx_lm.server loads any other model name from the hub: no model field at all is the mode's own.
        Assert.False(fake.ChatRequests[^1].BodyJson().RootElement.TryGetProperty("model", out _));
    }

    [Fact]
    public async Task Haiku_requests_without_tools_are_background_one_token_requests_are_probes_and_count_tokens_is_its_own_kind()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        Assert.Equal(RequestKind.Background, (await SendAsync(client, proxy, Body(true, "title please", model: "claude-haiku-4-5-20251001"))).Kind);
        Assert.Equal(RequestKind.Probe, (await SendAsync(client, proxy, ModelProbe("anyclaude-local"))).Kind);
        Assert.Equal(RequestKind.CountTokens, (await SendAsync(client, proxy, Body(false, "count me"), "/v1/messages/count_tokens")).Kind);
        Assert.Equal(RequestKind.Main, (await SendAsync(client, proxy, Turn("You are Claude Code.", User("hello")))).Kind);
    }

    [Fact]
    public async Task A_new_conversation_while_the_main_one_waits_for_a_tool_is_a_sub_agent_and_after_its_turn_a_new_main_one()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var proxy = StartProxy(fake);
        using var client = SessionClient(proxy, "session-a");
        const string system = "You are Claude Code, the main agent.";
        var first = User("RUN: ls");
        var main1 = await SendAsync(client, proxy, Turn(system, first));
        Assert.Equal(RequestKind.Main, main1.Kind);
        Assert.Equal("tool_use", main1.StopReason);

        // The Task tool started a sub-agent: its own system prompt and first message.
        var sub = await SendAsync(client, proxy, Turn("You are a search agent.", User("Find the config loader")));
        Assert.Equal(RequestKind.SubAgent, sub.Kind);
        Assert.NotEqual(main1.ConversationId, sub.ConversationId);
        Assert.Equal(RequestKind.SubAgent, (await SendAsync(client, proxy, Turn("You are a search agent.", User("Find the config loader"),
            Assistant("Looking"), User("go on")))).Kind);

        // The main conversation goes on (the first message switched to block form: same conversation).
        var toolUse = "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\",\"input\":{\"command\":\"ls\"}}]}";
        var toolResult = "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"a.txt\"}]}";
        var main2 = await SendAsync(client, proxy, Turn(system, "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"RUN: ls\"}]}", toolUse, toolResult));
        Assert.Equal(RequestKind.Main, main2.Kind);
        Assert.Equal(main1.ConversationId, main2.ConversationId);
        Assert.Equal("end_turn", main2.StopReason);

        // After the turn ended, a new conversation is the user's (/clear): main again.
        Assert.Equal(RequestKind.Main, (await SendAsync(client, proxy, Turn(system, User("a fresh start")))).Kind);

        // Another Claude Code session has its own main conversation.
        using var other = SessionClient(proxy, "session-b");
        Assert.Equal(RequestKind.Main, (await SendAsync(other, proxy, Turn("You are a search agent.", User("Find the config loader")))).Kind);
    }

    [Fact]
    public async Task Kinds_and_null_cached_tokens_reach_the_trace_and_the_control_endpoint()
    {
        var trace = Path.Combine(Path.GetTempPath(), $"anyclaude-kinds-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
            var proxy = StartProxy(fake, tweak: o => o with { TracePath = trace });
            using (var client = Client(proxy))
            {
                await SendAsync(client, proxy, Body(true, "title", model: RoleModelIds.Background));
                await SendAsync(client, proxy, Turn("main", User("hello")));
            }
            await proxy.StopAsync();
            var lines = File.ReadAllLines(trace).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
            Assert.Equal(["Background", "Main"], lines.Select(l => l.GetProperty("kind").GetString()));
            // LM Studio reports no cached tokens: null, not 0.
            Assert.All(lines, l => Assert.Equal(JsonValueKind.Null, l.GetProperty("cachedTokens").ValueKind));
            Assert.All(lines, l => Assert.Null(RecordJson.Read(l).CachedTokens));
            Assert.Equal(RequestKind.Background, RecordJson.Read(lines[0]).Kind);
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public async Task A_backend_that_reports_cached_tokens_gets_a_number_even_when_it_is_zero()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        await using var proxy = StartProxy(fake, BackendMode.MlxLm);
        using var client = Client(proxy);
        var cold = await SendAsync(client, proxy, Turn("main", User("hello there")));
        Assert.Equal(0, cold.CachedTokens);
        Assert.True(cold.UsageReported);
        var warm = await SendAsync(client, proxy, Turn("main", User("hello there"), Assistant("hi"), User("more")));
        Assert.True(warm.CachedTokens > 0, $"cached {warm.CachedTokens}");
    }

    [Fact]
    public async Task A_request_that_failed_before_the_backend_reported_usage_is_marked_as_an_estimate()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(AnyClaude.FakeBackend.Scripting.ScriptedReply.WithError(500, "boom"));
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        var failed = await SendAsync(client, proxy, Body(false, "hello"));
        Assert.True(failed.Status >= 400);
        Assert.False(failed.UsageReported);
    }
}
