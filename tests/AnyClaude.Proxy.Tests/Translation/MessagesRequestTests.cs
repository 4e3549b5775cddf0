using AnyClaude.Proxy.Errors;
using Xunit;
using static AnyClaude.Proxy.Tests.Translation.TranslationTestKit;

namespace AnyClaude.Proxy.Tests.Translation;

public class MessagesRequestTests
{
    [Fact]
    public void Parses_model_stream_max_tokens_and_tools()
    {
        using var request = Parse(Request("""[{"role":"user","content":"hi"}]""",
            """ "tools":[{"name":"Bash","input_schema":{"type":"object"}},{"name":"Read","input_schema":{"type":"object"}}] """));
        Assert.Equal("claude-sonnet-4-5", request.Model);
        Assert.True(request.Stream);
        Assert.Equal(32000, request.MaxTokens);
        Assert.True(request.HasTools);
        Assert.Equal(2, request.ToolCount);
        Assert.Equal(1, request.MessageCount);
    }

    [Fact]
    public void Stream_defaults_to_false_and_tools_to_none()
    {
        using var request = Parse("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}]}""");
        Assert.False(request.Stream);
        Assert.False(request.HasTools);
    }

    [Fact]
    public void Count_tokens_bodies_need_no_max_tokens()
    {
        using var request = Parse("""{"model":"m","messages":[{"role":"user","content":"x"}]}""", requireMaxTokens: false);
        Assert.Equal(0, request.MaxTokens);
    }

    [Fact]
    public void Accepts_claude_code_shapes()
    {
        using var request = Parse(Request("""
            [{"role":"system","content":"env"},
             {"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}},
                {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]},
             {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"s"},
                {"type":"redacted_thinking","data":"zzz"},
                {"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls"}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,
                "content":[{"type":"text","text":"boom"}]}]}]
            """, """ "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=1;"},{"type":"text","text":"You are"}] """));
        Assert.Equal(4, request.MessageCount);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "request body: expected a JSON object")]
    [InlineData("""{"max_tokens":5,"messages":[{"role":"user","content":"x"}]}""", "model: Field required")]
    [InlineData("""{"model":7,"max_tokens":5,"messages":[{"role":"user","content":"x"}]}""", "model: expected a string")]
    [InlineData("""{"model":"m","max_tokens":5}""", "messages: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":{}}""", "messages: expected an array")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[]}""", "messages: at least one message")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}]}""", "max_tokens: Field required")]
    [InlineData("""{"model":"m","max_tokens":"5","messages":[{"role":"user","content":"x"}]}""", "max_tokens: expected an integer")]
    [InlineData("""{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]}""", "max_tokens: must be greater")]
    [InlineData("""{"model":"m","max_tokens":5,"stream":"yes","messages":[{"role":"user","content":"x"}]}""", "stream: expected a boolean")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"bot","content":"x"}]}""", "messages.0.role: expected 'user', 'assistant' or 'system', got 'bot'")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"content":"x"}]}""", "messages.0.role: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user"}]}""", "messages.0.content: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"user","content":5}]}""",
        "messages.3.content: expected a string or an array of content blocks")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"text":"x"}]}]}""", "messages.0.content.0.type: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text"}]}]}""", "messages.0.content.0.text: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":"x"}]}]}""", "messages.0.content.0.input: expected an object")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result"}]}]}""", "messages.0.content.0.tool_use_id: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","data":"x"}}]}]}""", "messages.0.content.0.source.media_type: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"system":5,"messages":[{"role":"user","content":"x"}]}""", "system: expected a string or an array")]
    [InlineData("""{"model":"m","max_tokens":5,"tools":[{"input_schema":{}}],"messages":[{"role":"user","content":"x"}]}""", "tools.0.name: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"tool_choice":{"type":"maybe"},"messages":[{"role":"user","content":"x"}]}""", "tool_choice.type: expected")]
    [InlineData("""{"model":"m","max_tokens":5,"temperature":"hot","messages":[{"role":"user","content":"x"}]}""", "temperature: expected a number")]
    public void Rejects_invalid_requests_naming_the_field(string body, string expected)
    {
        var error = Assert.Throws<ApiException>(() => Parse(body));
        Assert.Equal(400, error.Status);
        Assert.Equal("invalid_request_error", error.ErrorType);
        Assert.Contains(expected, error.Message);
    }
}
