using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Prewarm;
using Xunit;
using static AnyClaude.Proxy.Tests.Conversation;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Classification;

/// <summary>Sub-agents: Claude Code's x-claude-code-agent-id marks them (2.1.197 and 2.1.332); a per-mode policy sends
/// them elsewhere; after one ran on a one-slot backend the main conversation is warmed again before its next turn.</summary>
public sealed class SubAgentTests
{
    private const string MainSystem = "You are Claude Code, the main agent. " + "Long rules and tool documentation. ";
    private static readonly string s_mainSystem = MainSystem + string.Concat(Enumerable.Repeat("Rules of the house, tools and memory. ", 300));
    private static readonly string s_agentSystem = "You are an agent for Claude Code. " + string.Concat(Enumerable.Repeat("Search rules. ", 300));
    private const string ToolUse = "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\",\"input\":{\"command\":\"ls\"}}]}";
    private const string ToolResult = "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"a.txt\"}]}";

    private static HttpClient SessionClient(ProxyServer proxy, string session, string? agent = null)
    {
        var client = Client(proxy);
        client.DefaultRequestHeaders.Add("X-Claude-Code-Session-Id", session);
        if (agent is not null) client.DefaultRequestHeaders.Add("x-claude-code-agent-id", agent);
        return client;
    }

    private static async Task<RequestRecord> SendAsync(HttpClient client, ProxyServer proxy, string body)
    {
        var before = proxy.GetRecords().Count(r => r.Kind != RequestKind.Prewarm);
        using (var r = await client.PostAsync("/v1/messages?beta=true", Json(body))) await r.Content.ReadAsStringAsync();
        await EventuallyAsync(() => proxy.GetRecords().Count(r => r.Kind != RequestKind.Prewarm) > before, "the record");
        return proxy.GetRecords().Last(r => r.Kind != RequestKind.Prewarm);
    }

    [Fact]
    public async Task The_agent_id_header_makes_a_sub_agent_whatever_the_timing_and_is_recorded_with_its_parent_session()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var proxy = StartProxy(fake);
        using var agent = SessionClient(proxy, "session-a", "a1b2c3");
        using var main = SessionClient(proxy, "session-a");

        // First request of the session, and the main conversation is not waiting for a tool: still a sub-agent.
        var sub = await SendAsync(agent, proxy, Turn(s_agentSystem, User("Find the config loader")));
        Assert.Equal(RequestKind.SubAgent, sub.Kind);
        Assert.Equal("a1b2c3", sub.AgentId);
        Assert.Equal("session-a", sub.SessionId);
        var first = await SendAsync(main, proxy, Turn(s_mainSystem, User("hello")));
        Assert.Equal(RequestKind.Main, first.Kind);
        Assert.Null(first.AgentId);
        // The sub-agent's conversation stays a sub-agent's on later turns.
        Assert.Equal(RequestKind.SubAgent, (await SendAsync(agent, proxy, Turn(s_agentSystem, User("Find the config loader"), Assistant("Looking"), User("go on")))).Kind);
    }

    [Fact]
    public async Task A_mode_can_route_its_sub_agents_to_another_mode_and_model()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = "big" });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = "small" });
        await using var proxy = StartProxy(lmstudio, backend: b => b with { SubAgentRequests = new SubAgentPolicy(BackendMode.MlxLm, "small") },
            tweak: o => o with
            {
                Backends = new Dictionary<BackendMode, BackendSettings>(o.Backends)
                {
                    [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { BaseUrl = new Uri(mlx.BaseUrl) },
                },
            });
        using var agent = SessionClient(proxy, "s", "agent-1");
        using var main = SessionClient(proxy, "s");
        var m = await SendAsync(main, proxy, Turn(s_mainSystem, User("hello")));
        var sub = await SendAsync(agent, proxy, Turn(s_agentSystem, User("Find it")));
        Assert.Equal(BackendMode.LmStudio, m.Mode);
        Assert.Equal(RequestKind.SubAgent, sub.Kind);
        Assert.Equal(BackendMode.MlxLm, sub.Mode);
        Assert.Single(lmstudio.ChatRequests);
        Assert.Equal("small", Assert.Single(mlx.ChatRequests).BodyJson().RootElement.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task After_a_sub_agent_on_a_one_slot_backend_the_main_conversation_is_warmed_before_its_next_turn(bool prewarm)
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Slots = 1 });
        await using var proxy = StartProxy(fake, tweak: o => o with { PrewarmAfterSubAgents = prewarm });
        using var main = SessionClient(proxy, "s");
        using var agent = SessionClient(proxy, "s", "agent-1");

        var first = await SendAsync(main, proxy, Turn(s_mainSystem, User("RUN: ls")));
        Assert.Equal("tool_use", first.StopReason);
        var sub = await SendAsync(agent, proxy, Turn(s_agentSystem, User("Find the config loader")));
        Assert.Equal(RequestKind.SubAgent, sub.Kind);
        if (prewarm)
        {
            await EventuallyAsync(() => proxy.GetRecords().Any(r => r.Kind == RequestKind.Prewarm), "the AfterSubAgent prewarm");
            var warm = proxy.GetRecords().Single(r => r.Kind == RequestKind.Prewarm);
            Assert.Equal(PrewarmReason.AfterSubAgent, warm.Reason);
            Assert.Equal(200, warm.Status);
        }
        var next = await SendAsync(main, proxy, Turn(s_mainSystem, User("RUN: ls"), ToolUse, ToolResult));
        Assert.Equal(RequestKind.Main, next.Kind);
        var served = fake.ChatRequests[^1];
        if (prewarm)
            Assert.True(served.CachedTokens > served.PromptTokens * 0.85, $"warm: {served.CachedTokens} of {served.PromptTokens} cached");
        else
            Assert.True(served.CachedTokens < 20, $"cold without the prewarm: {served.CachedTokens} of {served.PromptTokens} cached");
    }

    [Fact]
    public async Task No_prewarm_after_a_sub_agent_when_the_backend_serves_several_at_once()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Slots = 4 });
        await using var proxy = StartProxy(fake, backend: b => b with { MaxConcurrency = 4 });
        using var main = SessionClient(proxy, "s");
        using var agent = SessionClient(proxy, "s", "agent-1");
        await SendAsync(main, proxy, Turn(s_mainSystem, User("RUN: ls")));
        await SendAsync(agent, proxy, Turn(s_agentSystem, User("Find the config loader")));
        var next = await SendAsync(main, proxy, Turn(s_mainSystem, User("RUN: ls"), ToolUse, ToolResult));
        Assert.DoesNotContain(proxy.GetRecords(), r => r.Kind == RequestKind.Prewarm);
        var served = fake.ChatRequests[^1];
        Assert.Equal(RequestKind.Main, next.Kind);
        Assert.True(served.CachedTokens > served.PromptTokens * 0.85, $"four slots keep main: {served.CachedTokens} of {served.PromptTokens}");
    }

    [Theory]
    [InlineData("Forward", null, null)]
    [InlineData("same", null, null)]
    [InlineData("mlx-lm", BackendMode.MlxLm, null)]
    [InlineData("lmstudio/qwen3-0.6b", BackendMode.LmStudio, "qwen3-0.6b")]
    public void The_policy_parses_and_prints_its_forms(string text, BackendMode? mode, string? model)
    {
        Assert.True(SubAgentPolicy.TryParse(text, out var policy));
        Assert.Equal(mode, policy.Mode);
        Assert.Equal(model, policy.Model);
        Assert.True(SubAgentPolicy.TryParse(policy.ToString(), out var again));
        Assert.Equal(policy, again);
        Assert.False(SubAgentPolicy.TryParse("AnswerLocally", out _));
        Assert.False(SubAgentPolicy.TryParse("", out _));
    }
}
