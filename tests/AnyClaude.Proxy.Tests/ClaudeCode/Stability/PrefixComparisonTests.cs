using Xunit;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Stability;

/// <summary>The prefix checker itself, so a stability test that passes means the prompts really extend.</summary>
public sealed class PrefixComparisonTests
{
    private static BackendRequestParts Chat(string tools, params string[] messages) =>
        BackendRequestParts.FromChat($$"""{"messages":[{{string.Join(",", messages)}}],"tools":{{tools}}}""");

    private const string Sys = """{"role":"system","content":"You are helpful."}""";
    private const string User = """{"role":"user","content":"hi"}""";
    private const string Assistant = """{"role":"assistant","content":"hello"}""";
    private const string Tools = """[{"type":"function","function":{"name":"Bash"}}]""";

    [Fact]
    public void An_appended_turn_is_a_prefix_extension()
    {
        Assert.Null(PrefixComparison.FindBreak(Chat(Tools, Sys, User), Chat(Tools, Sys, User, Assistant)));
    }

    [Fact]
    public void A_changed_system_prompt_is_reported_with_context()
    {
        var why = PrefixComparison.FindBreak(Chat(Tools, Sys, User),
            Chat(Tools, """{"role":"system","content":"You are very helpful."}""", User));
        Assert.NotNull(why);
        Assert.StartsWith("system prompt differs", why);
        Assert.Contains("⟦very helpful.\"⟧", why);
    }

    [Fact]
    public void Reordered_tools_bytes_are_reported()
    {
        var why = PrefixComparison.FindBreak(Chat(Tools, Sys, User), Chat("""[{"function":{"name":"Bash"},"type":"function"}]""", Sys, User));
        Assert.StartsWith("tools JSON differs", why);
    }

    [Fact]
    public void A_rewritten_earlier_message_names_its_index()
    {
        var why = PrefixComparison.FindBreak(
            Chat(Tools, Sys, User, Assistant),
            Chat(Tools, Sys, User, """{"role":"assistant","content":[{"type":"text","text":"hello"}]}""", User));
        Assert.StartsWith("message [2] differs", why);
    }

    [Fact]
    public void A_shorter_next_turn_is_not_an_extension()
    {
        Assert.NotNull(PrefixComparison.FindBreak(Chat(Tools, Sys, User, Assistant), Chat(Tools, Sys, User)));
    }

    [Fact]
    public void Anthropic_bodies_compare_system_and_tools_fields()
    {
        var a = BackendRequestParts.FromAnthropic("""{"system":[{"type":"text","text":"S"}],"tools":[],"messages":[{"role":"user","content":"x"}]}""");
        var b = BackendRequestParts.FromAnthropic("""{"system":[{"type":"text","text":"S","cache_control":{"type":"ephemeral"}}],"tools":[],"messages":[{"role":"user","content":"x"}]}""");
        Assert.StartsWith("system prompt differs", PrefixComparison.FindBreak(a, b));
    }
}
