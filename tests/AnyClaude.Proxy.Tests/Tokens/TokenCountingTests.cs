using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Tokens;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Tokens;

public sealed class TokenCountingTests
{
    [Fact]
    public void The_o200k_tokenizer_counts_real_tokens_not_characters()
    {
        // "Hello, world!" is 4 tokens in o200k_base; characters ÷ 4 would say 3.
        Assert.Equal(4, TokenCounter.Count("Hello, world!"));
        Assert.Equal(0, TokenCounter.Count(""));
    }

    [Fact]
    public void System_messages_tools_tool_inputs_and_results_all_count()
    {
        static int Count(string json) => TokenCounter.CountRequest(JsonDocument.Parse(json).RootElement);
        var bare = Count("""{"messages":[{"role":"user","content":"hi"}]}""");
        Assert.True(Count("""{"system":"You are a careful assistant.","messages":[{"role":"user","content":"hi"}]}""") > bare);
        Assert.True(Count("""{"system":[{"type":"text","text":"You are a careful assistant."}],"messages":[{"role":"user","content":"hi"}]}""") > bare);
        Assert.True(Count("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"bash","input_schema":{"type":"object"}}]}""") > bare);
        var withToolUse = Count("""{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"bash","input":{"command":"ls -la /tmp"}}]}]}""");
        var withResult = Count("""{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"bash","input":{"command":"ls -la /tmp"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"file-a file-b file-c"}]}]}""");
        Assert.True(withToolUse > bare);
        Assert.True(withResult > withToolUse);
    }

    [Fact]
    public async Task Count_tokens_endpoint_answers_input_tokens_without_a_backend()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        using var client = Client(proxy);
        var body = """{"model":"claude-sonnet-4-5","system":"Be brief.","messages":[{"role":"user","content":"Hello, world!"}]}""";
        var (status, json) = await PostForJsonAsync(client, "/v1/messages/count_tokens?beta=true", body);
        Assert.Equal(200, status);
        var expected = TokenCounter.Count("Be brief.") + TokenCounter.Count("Hello, world!") + TokenCounter.PerMessageTokens;
        Assert.Equal(expected, json.GetProperty("input_tokens").GetInt32());
    }

    [Fact]
    public void Long_texts_count_the_same_the_second_time_from_the_cache()
    {
        var tools = string.Join(",", Enumerable.Range(0, 300).Select(i => $"{{\"name\":\"tool_{i}\",\"description\":\"does thing {i}\"}}"));
        var first = TokenCounter.Count(tools);
        Assert.True(first > 300);
        Assert.Equal(first, TokenCounter.Count(new string(tools.AsSpan())));
        Assert.NotEqual(first, TokenCounter.Count(tools + " and a little more text"));
    }

    [Fact]
    public void A_longer_conversation_counts_its_earlier_turns_the_same_plus_the_new_message()
    {
        var longText = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"word{i}"));
        var turn1 = $$"""{"system":"{{longText}} system","messages":[{"role":"user","content":"{{longText}} first question"}]}""";
        var added = $$"""{"role":"user","content":"{{longText}} second question"}""";
        var turn2 = turn1.Replace("]}", "," + added + "]}");
        var one = TokenCounter.CountRequest(JsonDocument.Parse(turn1).RootElement);
        var two = TokenCounter.CountRequest(JsonDocument.Parse(turn2).RootElement);
        var again = TokenCounter.CountRequest(JsonDocument.Parse(turn2).RootElement);
        Assert.Equal(two, again);
        Assert.Equal(one + TokenCounter.PerMessageTokens + TokenCounter.Count(longText + " second question"), two);
    }

    [Fact]
    public async Task Counting_is_thread_safe_on_first_use()
    {
        var texts = Enumerable.Range(0, 16).Select(i => $"parallel text number {i} with some words").ToArray();
        var results = await Task.WhenAll(texts.Select(t => Task.Run(() => TokenCounter.Count(t))));
        Assert.Equal(texts.Select(TokenCounter.Count), results);
    }
}
