using System.Text.Json;
using Xunit;
using static AnyClaude.Proxy.Tests.Translation.TranslationTestKit;

namespace AnyClaude.Proxy.Tests.Translation;

public class AnthropicRequestNormalizerTests
{
    private const string Body = """
        {"model":"claude-sonnet-4-5","max_tokens":32000,"stream":true,
         "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.197.1c0; cc_entrypoint=sdk-cli;"},
                   {"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
         "tools":[{"name":"Bash","description":"Run","input_schema":{"type":"object","properties":{"cache_control":{"type":"string","format":"uri"}}},"cache_control":{"type":"ephemeral"}}],
         "messages":[
           {"role":"user","content":[{"type":"text","text":"hello","cache_control":{"type":"ephemeral"}}]},
           {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls", "x":1}}]},
           {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"a","cache_control":{"type":"ephemeral"}}]},
                                     {"type":"text","text":"next"}]}],
         "metadata":{"user_id":"user_abc"},"thinking":{"type":"adaptive"}}
        """;

    [Fact]
    public void Model_is_rewritten_when_given_and_kept_when_null()
    {
        Assert.Equal("qwen3", JsonDocument.Parse(Normalize(Body, "qwen3")).RootElement.GetProperty("model").GetString());
        Assert.Equal("claude-sonnet-4-5", JsonDocument.Parse(Normalize(Body, null)).RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public void Attribution_block_and_cache_control_are_removed()
    {
        var json = Normalize(Body, null);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.DoesNotContain("x-anthropic-billing-header", json);
        Assert.Equal("""[{"type":"text","text":"You are Claude Code."}]""", root.GetProperty("system").GetRawText());
        Assert.DoesNotContain("ephemeral", json);
        // A schema property that happens to be named cache_control is tool data and stays.
        Assert.Equal("""{"cache_control":{"type":"string","format":"uri"}}""",
            root.GetProperty("tools")[0].GetProperty("input_schema").GetProperty("properties").GetRawText());
    }

    [Fact]
    public void Single_text_block_becomes_a_plain_string_other_content_verbatim()
    {
        var messages = JsonDocument.Parse(Normalize(Body, null)).RootElement.GetProperty("messages");
        Assert.Equal("hello", messages[0].GetProperty("content").GetString());
        Assert.Equal("""[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls","x":1}}]""", messages[1].GetProperty("content").GetRawText());
        Assert.Equal("""[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"a"}]},{"type":"text","text":"next"}]""",
            messages[2].GetProperty("content").GetRawText());
    }

    [Fact]
    public void Everything_else_is_kept()
    {
        var root = JsonDocument.Parse(Normalize(Body, "m")).RootElement;
        Assert.Equal(32000, root.GetProperty("max_tokens").GetInt32());
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.Equal("user_abc", root.GetProperty("metadata").GetProperty("user_id").GetString());
        Assert.Equal("adaptive", root.GetProperty("thinking").GetProperty("type").GetString());
        Assert.Equal("Run", root.GetProperty("tools")[0].GetProperty("description").GetString());
    }

    [Fact]
    public void System_string_loses_the_attribution_line()
    {
        var root = JsonDocument.Parse(Normalize("""{"model":"m","max_tokens":1,"system":"x-anthropic-billing-header: cc_version=1;\nBe nice.","messages":[{"role":"user","content":"hi"}]}""", null)).RootElement;
        Assert.Equal("Be nice.", root.GetProperty("system").GetString());
    }
}
