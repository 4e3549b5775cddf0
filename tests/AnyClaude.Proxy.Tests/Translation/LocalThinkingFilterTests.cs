using System.Buffers;
using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Translation;
using Xunit;
using static AnyClaude.Proxy.Tests.Translation.TranslationTestKit;

namespace AnyClaude.Proxy.Tests.Translation;

public class LocalThinkingFilterTests
{
    private static readonly string s_local = ChatStreamTranslator.LocalThinkingSignature;

    private static string Filter(string body, string? model = null)
    {
        using var request = Parse(body);
        var buffer = new ArrayBufferWriter<byte>();
        LocalThinkingFilter.Write(request, model, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Local_thinking_is_detected_and_removed_anthropic_thinking_kept()
    {
        var body = Request($$"""
            [{"role":"user","content":"q"},
             {"role":"assistant","content":[{"type":"thinking","thinking":"local plan","signature":"{{s_local}}"},{"type":"text","text":"a1"}]},
             {"role":"user","content":"q2"},
             {"role":"assistant","content":[{"type":"thinking","thinking":"real","signature":"EqQBCkgIAhAB"},{"type":"text","text":"a2"}]},
             {"role":"user","content":"q3"}]
            """);
        using (var request = Parse(body))
            Assert.True(LocalThinkingFilter.Applies(request));
        var messages = JsonDocument.Parse(Filter(body, "claude-opus-4-5")).RootElement.GetProperty("messages");
        Assert.Equal("""[{"type":"text","text":"a1"}]""", messages[1].GetProperty("content").GetRawText());
        Assert.Equal("real", messages[3].GetProperty("content")[0].GetProperty("thinking").GetString());
    }

    [Fact]
    public void A_turn_of_only_local_thinking_keeps_a_marker_so_content_is_not_empty()
    {
        var body = Request($$"""[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"{{s_local}}"}]},{"role":"user","content":"q2"}]""");
        var root = JsonDocument.Parse(Filter(body, "claude-opus-4-5")).RootElement;
        Assert.Equal(LocalThinkingFilter.EmptyTurnText, root.GetProperty("messages")[1].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("claude-opus-4-5", root.GetProperty("model").GetString());
    }

    [Fact]
    public void Requests_without_local_thinking_do_not_apply()
    {
        using var request = Parse(Request("""[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"EqQB"}]},{"role":"user","content":"q2"}]"""));
        Assert.False(LocalThinkingFilter.Applies(request));
    }

    [Fact]
    public void The_stream_translator_signs_with_the_marker_the_filter_looks_for()
    {
        var summary = StreamTestKit.RunChecked(StreamTestKit.Reasoning("r"), StreamTestKit.Text("t"), StreamTestKit.Finish("stop"));
        Assert.Equal(s_local, summary.Blocks[0].Signature);
    }
}
