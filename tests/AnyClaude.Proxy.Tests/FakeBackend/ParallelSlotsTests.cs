using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using Xunit;
using static AnyClaude.Proxy.Tests.FakeBackend.FakeHttp;

namespace AnyClaude.Proxy.Tests.FakeBackend;

/// <summary>The fake as today's servers are: LM Studio 0.4's parallel predictions (one cache per slot, a queue beyond
/// them), mlx_lm.server's batching, a time scale, a model reload that empties the cache, LM Studio's /api/v1/models.</summary>
public sealed class ParallelSlotsTests
{
    private static readonly string s_system = "You are a sub-agent. " + string.Concat(Enumerable.Repeat("Tool docs. ", 300));

    private static string Conversation(string who) =>
        ChatBody("question from " + who, stream: true, includeUsage: true, system: who + ": " + s_system);

    private static async Task SendAsync(FakeOpenAiServer fake, string body) =>
        _ = await (await PostAsync(fake.BaseUrl + "/chat/completions", body)).Content.ReadAsStringAsync();

    [Fact]
    public async Task Four_slots_keep_four_conversations_cached_where_one_slot_keeps_one()
    {
        await using var four = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = "m", Slots = 4 });
        await using var one = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = "m", Slots = 1 });
        foreach (var fake in new[] { four, one })
        {
            foreach (var who in new[] { "main", "agent1", "agent2", "main" })
            {
                await SendAsync(fake, Conversation(who));
            }
        }
        Assert.True(four.ChatRequests[3].CachedTokens > 500, $"four slots: main stayed cached ({four.ChatRequests[3].CachedTokens})");
        Assert.True(one.ChatRequests[3].CachedTokens < 20, $"one slot: the sub-agents evicted main ({one.ChatRequests[3].CachedTokens})");
        Assert.Equal(3, four.CacheEntryCount);
        Assert.Equal(1, one.CacheEntryCount);
    }

    [Fact]
    public async Task Requests_beyond_the_slots_wait_for_one_and_within_them_run_at_once()
    {
        foreach (var slots in new[] { 1, 4 })
        {
            await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = "m", Slots = slots });
            var release = new TaskCompletionSource();
            fake.Enqueue(new ScriptedReply { Text = "first", HoldUntil = release.Task });
            var first = SendAsync(fake, Conversation("a"));
            while (fake.ChatRequests.Count < 1)
            {
                await Task.Delay(10);
            }
            var second = SendAsync(fake, Conversation("b"));
            var done = await Task.WhenAny(second, Task.Delay(TimeSpan.FromSeconds(slots == 1 ? 0.5 : 10)));
            if (slots == 1)
            {
                Assert.NotSame(second, done); // one slot, held by the first: the second waits in line
                Assert.False(fake.ChatRequests[1].Completed);
            }
            else
            {
                Assert.Same(second, done); // a free slot: served while the first is still held
            }
            release.SetResult();
            await Task.WhenAll(first, second);
            Assert.True(fake.ChatRequests.All(r => r.Completed));
        }
    }

    [Fact]
    public async Task The_time_scale_shortens_the_waits_but_records_keep_the_real_servers_figure()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions
        {
            Flavor = FakeFlavor.MlxLm, Model = "m", MicrosecondsPerPromptToken = 2000, TimeScale = 0.001,
        });
        await SendAsync(fake, Conversation("main"));
        var r = fake.ChatRequests[0];
        Assert.Equal((r.PromptTokens - r.CachedTokens) * 2000.0, r.PromptProcessingMicroseconds);
    }

    [Fact]
    public async Task Unloading_the_model_empties_the_cache_and_keeps_the_records()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = "m" });
        await SendAsync(fake, Conversation("main"));
        await SendAsync(fake, Conversation("main"));
        Assert.True(fake.ChatRequests[1].CachedTokens > 500);
        var (status, body) = await PostForTextAsync(fake.RootUrl + "/_fake/unload", "{}");
        Assert.Equal(200, status);
        Assert.Contains("unloaded", body, StringComparison.Ordinal);
        await SendAsync(fake, Conversation("main"));
        Assert.Equal(3, fake.ChatRequests.Count);
        Assert.Equal(0, fake.ChatRequests[2].CachedTokens);
    }

    [Fact]
    public async Task Mlx_reports_cached_tokens_in_the_final_usage_chunk_of_concurrent_requests()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = "m", MlxPromptConcurrency = 2 });
        await SendAsync(fake, Conversation("main"));
        var bodies = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
            await (await PostAsync(fake.BaseUrl + "/chat/completions", Conversation("main"))).Content.ReadAsStringAsync()));
        foreach (var sse in bodies)
        {
            var last = Chunks(sse)[^1];
            Assert.Empty(last.GetProperty("choices").EnumerateArray());
            Assert.True(last.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32() > 0);
        }
    }

    [Fact]
    public async Task Lm_studio_lists_loaded_instances_with_their_config_on_api_v1_models()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions
        {
            Flavor = FakeFlavor.LmStudio, Model = "qwen/qwen3-8b", ContextLength = 16384, OtherModels = ["other/model"],
        });
        using var response = await Client.GetAsync(fake.RootUrl + "/api/v1/models");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var models = doc.RootElement.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(2, models.Count);
        Assert.Equal("qwen/qwen3-8b", models[0].GetProperty("key").GetString());
        var instance = Assert.Single(models[0].GetProperty("loaded_instances").EnumerateArray());
        Assert.Equal(16384, instance.GetProperty("config").GetProperty("context_length").GetInt32());
        Assert.Empty(models[1].GetProperty("loaded_instances").EnumerateArray());
    }
}
