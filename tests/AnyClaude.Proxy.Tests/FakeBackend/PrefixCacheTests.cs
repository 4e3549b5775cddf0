using System.Text.Json;
using AnyClaude.FakeBackend;
using Xunit;
using static AnyClaude.Proxy.Tests.FakeBackend.FakeHttp;

namespace AnyClaude.Proxy.Tests.FakeBackend;

/// <summary>The simulated prefix cache: cached_tokens, and prompt-processing time proportional to uncached tokens.</summary>
public sealed class PrefixCacheTests
{
    private static readonly string s_system = "You are Claude Code. " + string.Concat(Enumerable.Repeat("Rules and tool docs. ", 400));

    private static string Turn(int n)
    {
        var history = new List<string>();
        for (var i = 1; i < n; i++)
        {
            history.Add("{\"role\":\"user\",\"content\":\"question " + i + "\"}");
            history.Add("{\"role\":\"assistant\",\"content\":" + JsonSerializer.Serialize(Answer(i)) + "}");
        }
        return ChatBody("question " + n, stream: true, includeUsage: true, system: s_system,
            extraMessages: history.Count == 0 ? null : string.Join(",", history));
    }

    // The automatic responder's answer to "question i": what a client appends to its history.
    private static string Answer(int i) => $"FAKE-MLX-LM (m): question {i}";

    private static async Task<JsonElement> UsageOf(FakeOpenAiServer fake, string body)
    {
        var sse = await (await PostAsync(fake.BaseUrl + "/chat/completions", body)).Content.ReadAsStringAsync();
        return Chunks(sse)[^1].GetProperty("usage");
    }

    [Fact]
    public async Task A_follow_up_turn_reports_cached_tokens_and_less_simulated_processing()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = "m", MicrosecondsPerPromptToken = 5 });

        var cold = await UsageOf(fake, Turn(1));
        var warm = await UsageOf(fake, Turn(2));

        Assert.Equal(0, cold.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        var warmPrompt = warm.GetProperty("prompt_tokens").GetInt32();
        var warmCached = warm.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32();
        Assert.True(warmCached >= cold.GetProperty("prompt_tokens").GetInt32(), $"cached {warmCached} should cover turn 1's prompt and answer");
        Assert.True(warmCached < warmPrompt);

        var records = fake.ChatRequests;
        Assert.Equal((warmPrompt - warmCached) * 5, records[1].PromptProcessingMicroseconds);
        Assert.True(records[1].PromptProcessingMicroseconds * 20 < records[0].PromptProcessingMicroseconds,
            $"warm {records[1].PromptProcessingMicroseconds} µs vs cold {records[0].PromptProcessingMicroseconds} µs");
    }

    [Fact]
    public async Task With_the_cache_disabled_every_turn_is_processed_in_full()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = "m", DisableCache = true, MicrosecondsPerPromptToken = 1 });
        await UsageOf(fake, Turn(1));
        var warm = await UsageOf(fake, Turn(2));
        Assert.Equal(0, warm.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(warm.GetProperty("prompt_tokens").GetInt32(), fake.ChatRequests[1].PromptProcessingMicroseconds);
    }

    [Fact]
    public async Task A_change_early_in_the_prompt_defeats_the_cache()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = "m" });
        await UsageOf(fake, Turn(1));
        var changed = Turn(2).Replace("You are Claude Code.", "You are Claude Code!");
        var usage = await UsageOf(fake, changed);
        Assert.True(usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32() < 10);
    }

    [Fact]
    public async Task Least_recently_used_entries_are_evicted_beyond_capacity()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = "m", CacheEntries = 2 });
        string Conversation(string topic) => ChatBody("q", stream: true, includeUsage: true, system: topic + new string('s', 2000));
        await UsageOf(fake, Conversation("A"));
        await UsageOf(fake, Conversation("B"));
        var aAgain = await UsageOf(fake, Conversation("A"));
        Assert.True(aAgain.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32() > 400, "A still cached with 2 entries");

        await UsageOf(fake, Conversation("C"));
        await UsageOf(fake, Conversation("D"));
        var aEvicted = await UsageOf(fake, Conversation("A"));
        Assert.True(aEvicted.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32() < 10);
        Assert.Equal(2, fake.CacheEntryCount);
    }

    [Fact]
    public async Task Lm_studio_has_one_slot_so_a_side_request_evicts_the_conversation()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = "m" });
        await UsageOf(fake, Turn(1));
        await UsageOf(fake, Turn(1));
        Assert.True(fake.ChatRequests[1].CachedTokens > 1000, "the repeated prompt hits the single slot");
        Assert.True(fake.ChatRequests[1].PromptProcessingMicroseconds < fake.ChatRequests[0].PromptProcessingMicroseconds);

        await UsageOf(fake, ChatBody("Write a 5-word title", stream: true, includeUsage: true));
        await UsageOf(fake, Turn(1));
        Assert.True(fake.ChatRequests[3].CachedTokens < 10, "the side request took the only slot");
    }
}
