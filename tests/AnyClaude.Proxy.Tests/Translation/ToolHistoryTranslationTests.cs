using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Translation;
using Xunit;
using static AnyClaude.Proxy.Tests.Translation.TranslationTestKit;

namespace AnyClaude.Proxy.Tests.Translation;

/// <summary>Issue 7: what the translator does so real chat templates accept Claude Code conversations
/// (tests/ChatTemplates renders them through the templates themselves).</summary>
public class ToolHistoryTranslationTests
{
    private const string Conversation = """
        [{"role":"user","content":"list files"},
         {"role":"assistant","content":[
            {"type":"text","text":"Running two commands."},
            {"type":"tool_use","id":"toolu_01XqVv7dGm2kJb3Lp9TnWc4R","name":"Bash","input":{"command":"ls"}},
            {"type":"tool_use","id":"toolu_01AbHq2XwYc7pLmN4RsT8uVz","name":"Read","input":{"file_path":"/a"}}]},
         {"role":"user","content":[
            {"type":"tool_result","tool_use_id":"toolu_01XqVv7dGm2kJb3Lp9TnWc4R","content":"a.txt"},
            {"type":"tool_result","tool_use_id":"toolu_01AbHq2XwYc7pLmN4RsT8uVz","is_error":true,"content":"no such file"}]},
         {"role":"system","content":"<system-reminder>Todo list is empty.</system-reminder>"},
         {"role":"assistant","content":[{"type":"text","text":"Done."}]},
         {"role":"user","content":"thanks"},
         {"role":"user","content":"and one more thing"}]
        """;

    private static BackendProfile TextHistory =>
        BackendProfile.For(BackendSettings.Default(BackendMode.LmStudio) with { ToolHistory = ToolHistoryMode.Text });

    [Fact]
    public void Tool_call_ids_become_nine_alphanumeric_characters_shared_by_call_and_result()
    {
        var messages = Messages(ToChatJson(Request(Conversation), LmStudio));
        var calls = messages[1].GetProperty("tool_calls").EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToArray();
        Assert.All(calls, id => Assert.Matches("^[A-Za-z0-9]{9}$", id));
        Assert.NotEqual(calls[0], calls[1]);
        Assert.Equal(calls, messages.Where(m => m.GetProperty("role").GetString() == "tool").Select(m => m.GetProperty("tool_call_id").GetString()!));
    }

    [Fact]
    public void Tool_call_ids_are_the_same_in_every_turn()
    {
        var shorter = Messages(ToChatJson(Request(Conversation[..Conversation.IndexOf("""{"role":"system""", StringComparison.Ordinal)].TrimEnd().TrimEnd(',') + "]"), LmStudio));
        var longer = Messages(ToChatJson(Request(Conversation), LmStudio));
        Assert.Equal(shorter[1].GetRawText(), longer[1].GetRawText());
        Assert.Equal(shorter[2].GetRawText(), longer[2].GetRawText());
    }

    [Fact]
    public void Colliding_short_ids_are_told_apart_the_same_way_every_time()
    {
        // A hash that maps every first attempt to the same id.
        static string Collide(string original, int attempt) => attempt == 0 ? "AAAAAAAAA" : ToolCallIds.Hash(original, attempt);
        var first = new ToolCallIds(Collide);
        var a = first.For("toolu_a");
        var b = first.For("toolu_b");
        Assert.Equal("AAAAAAAAA", a);
        Assert.NotEqual(a, b);
        Assert.Matches("^[A-Za-z0-9]{9}$", b);
        Assert.Equal(a, first.For("toolu_a"));
        var again = new ToolCallIds(Collide);
        Assert.Equal((a, b), (again.For("toolu_a"), again.For("toolu_b")));
    }

    [Fact]
    public void A_system_reminder_after_tool_results_rides_in_the_last_result_so_roles_still_alternate()
    {
        var messages = Messages(ToChatJson(Request(Conversation), LmStudio));
        Assert.Equal(["user", "assistant", "tool", "tool", "assistant", "user", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("[tool error] no such file\n\n<system-reminder>Todo list is empty.</system-reminder>", Content(messages[3]));
    }

    [Fact]
    public void Text_tool_history_sends_tools_but_writes_calls_and_results_as_alternating_text()
    {
        var chat = ToChatJson(Request(Conversation, "\"tools\":[{\"name\":\"Bash\",\"input_schema\":{\"type\":\"object\"}}]"), TextHistory);
        Assert.Equal(JsonValueKind.Array, chat.GetProperty("tools").ValueKind);
        var messages = Messages(chat);
        Assert.Equal(["user", "assistant", "user", "assistant", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.All(messages, m => Assert.False(m.TryGetProperty("tool_calls", out _)));
        Assert.Equal("Running two commands.\n\n[called tool Bash with input {\"command\":\"ls\"}]\n\n[called tool Read with input {\"file_path\":\"/a\"}]",
            Content(messages[1]));
        Assert.StartsWith("[result of Bash: a.txt]\n\n[result of Read: [tool error] no such file]\n\n<system-reminder>", Content(messages[2]));
        Assert.Equal("thanks\n\nand one more thing", Content(messages[4]));
    }

    [Fact]
    public void Tool_history_is_text_whenever_tools_are_off()
    {
        Assert.False(BackendProfile.For(BackendSettings.Default(BackendMode.MlxLm)).NativeToolHistory);
        Assert.True(BackendProfile.For(BackendSettings.Default(BackendMode.MlxLm) with { ToolCalls = ToolCallMode.Native }).NativeToolHistory);
        Assert.False(TextHistory.NativeToolHistory);
        Assert.True(TextHistory.SendTools);
    }
}
