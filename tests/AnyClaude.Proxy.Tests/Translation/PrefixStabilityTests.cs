using System.Text.Json;
using AnyClaude.Proxy.Translation;
using Xunit;
using static AnyClaude.Proxy.Tests.Translation.TranslationTestKit;

namespace AnyClaude.Proxy.Tests.Translation;

/// <summary>
/// A local backend reuses its KV cache only for an exact prefix. A synthetic Claude Code conversation of three
/// turns where turn n+1 = turn n + appended messages, except that cache_control moves to the newest block, the
/// attribution line changes, and an earlier message switches from [{"type":"text","text":T}] to "T": the
/// translated messages of turn n must be an element-wise byte prefix of turn n+1's, system and tools identical.
/// </summary>
public class PrefixStabilityTests
{
    private const string Cache = ""","cache_control":{"type":"ephemeral"}""";

    private static string System(string attribution) => $$"""
        [{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.197.{{attribution}}; cc_entrypoint=sdk-cli;"},
         {"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude."{{Cache}}},
         {"type":"text","text":"# Environment\nPlatform: darwin\nUse the tools. Never guess file contents."{{Cache}}}]
        """;

    private static string Tools(bool cacheLast) => """
        [{"name":"Bash","description":"Run a shell command","input_schema":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"command":{"type":"string"},"timeout":{"type":"number"}},"required":["command"],"additionalProperties":false}},
         {"name":"Read","description":"Read a file","input_schema":{"type":"object","properties":{"file_path":{"type":"string","format":"path"},"format":{"type":"string"}},"required":["file_path"]}@CACHE@}]
        """.Replace("@CACHE@", cacheLast ? Cache : "");

    // Message i rendered for a turn; `newest` puts cache_control on it; `asString` is the client's later form.
    private static readonly Func<bool, bool, string>[] s_messages =
    [
        (newest, asString) => """{"role":"system","content":"Today's date is 2026-11-24.\nWorking directory: /Users/me/repo"}""",
        (newest, asString) => asString
            ? """{"role":"user","content":"Why does the build fail? Look at the logs."}"""
            : $$"""{"role":"user","content":[{"type":"text","text":"Why does the build fail? Look at the logs."{{(newest ? Cache : "")}}}]}""",
        (newest, asString) => """
            {"role":"assistant","content":[{"type":"thinking","thinking":"Check the log first.","signature":"EqMBCkYIBxgCKkB"},
              {"type":"text","text":"Let me look at the build log."},
              {"type":"tool_use","id":"toolu_01Xq","name":"Bash","input":{"command":"cat build.log | tail -n 20","timeout":120000}}]}
            """,
        (newest, asString) => $$"""
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01Xq","content":"error CS0246: The type 'Foo' could not be found"{{(newest ? Cache : "")}}}]}
            """,
        (newest, asString) => """{"role":"system","content":"<system-reminder>The TodoWrite tool hasn't been used recently.</system-reminder>"}""",
        (newest, asString) => """
            {"role":"assistant","content":[{"type":"text","text":"Two files to read."},
              {"type":"tool_use","id":"toolu_01Ab","name":"Read","input":{"file_path":"/Users/me/repo/src/Foo.cs"}},
              {"type":"tool_use","id":"toolu_01Cd","name":"Read","input":{"file_path":"/Users/me/repo/src/Bar.cs"}}]}
            """,
        (newest, asString) => $$"""
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01Ab","content":[{"type":"text","text":"namespace X;\nclass Foo {}"}]},
              {"type":"tool_result","tool_use_id":"toolu_01Cd","is_error":true,"content":"File does not exist."},
              {"type":"text","text":"Also check Bar."{{(newest ? Cache : "")}}}]}
            """,
    ];

    // Turn 1 ends after message 1, turn 2 after 3 (+ the reminder at 4 rides with message 3), turn 3 after 6.
    private static readonly int[] s_turnEnds = [2, 5, 7];

    private static string Turn(int turn)
    {
        var count = s_turnEnds[turn];
        var messages = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var newest = i == count - 1;
            // From turn 2 on, the client sends the first prompt as a plain string.
            var asString = turn > 0 && i == 1;
            messages.Add(s_messages[i](newest, asString));
        }
        return $$"""
            {"model":"claude-sonnet-4-5","max_tokens":32000,"stream":true,"metadata":{"user_id":"user_{{turn}}"},
             "system":{{System(turn == 0 ? "1c0" : "9f2")}},"tools":{{Tools(cacheLast: turn != 1)}},
             "messages":[{{string.Join(",", messages)}}]}
            """;
    }

    public static TheoryData<string> Profiles => ["LmStudio", "MlxLm", "MlxLmNativeTools"];

    private static BackendProfile ProfileNamed(string name) => name switch
    {
        "LmStudio" => LmStudio,
        "MlxLm" => MlxLm,
        _ => MlxLmNativeTools,
    };

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Chat_translation_of_each_turn_is_a_prefix_of_the_next(string profileName)
    {
        var profile = ProfileNamed(profileName);
        var turns = Enumerable.Range(0, s_turnEnds.Length).Select(t => ToChatJson(Turn(t), profile)).ToArray();
        for (var t = 0; t + 1 < turns.Length; t++)
        {
            var earlier = Messages(turns[t]);
            var later = Messages(turns[t + 1]);
            Assert.True(earlier.Length < later.Length, $"turn {t + 2} adds messages");
            for (var i = 0; i < earlier.Length; i++)
                Assert.Equal(earlier[i].GetRawText(), later[i].GetRawText());
            Assert.Equal(Raw(turns[t], "tools"), Raw(turns[t + 1], "tools"));
            Assert.Equal(Raw(turns[t], "tool_choice"), Raw(turns[t + 1], "tool_choice"));
        }
        Assert.Equal("system", Messages(turns[0])[0].GetProperty("role").GetString());
    }

    [Fact]
    public void Anthropic_normalisation_of_each_turn_is_a_prefix_of_the_next()
    {
        var turns = Enumerable.Range(0, s_turnEnds.Length)
            .Select(t => JsonDocument.Parse(Normalize(Turn(t), "local-model")).RootElement).ToArray();
        for (var t = 0; t + 1 < turns.Length; t++)
        {
            var earlier = turns[t].GetProperty("messages").EnumerateArray().ToArray();
            var later = turns[t + 1].GetProperty("messages").EnumerateArray().ToArray();
            Assert.True(earlier.Length < later.Length);
            for (var i = 0; i < earlier.Length; i++)
                Assert.Equal(earlier[i].GetRawText(), later[i].GetRawText());
            Assert.Equal(Raw(turns[t], "system"), Raw(turns[t + 1], "system"));
            Assert.Equal(Raw(turns[t], "tools"), Raw(turns[t + 1], "tools"));
        }
    }

    [Fact]
    public void The_raw_client_requests_are_not_prefixes_so_the_test_means_something()
    {
        var first = JsonDocument.Parse(Turn(0)).RootElement;
        var second = JsonDocument.Parse(Turn(1)).RootElement;
        Assert.NotEqual(first.GetProperty("messages")[1].GetRawText(), second.GetProperty("messages")[1].GetRawText());
        Assert.NotEqual(first.GetProperty("system").GetRawText(), second.GetProperty("system").GetRawText());
        Assert.NotEqual(first.GetProperty("tools").GetRawText(), JsonDocument.Parse(Turn(1)).RootElement.GetProperty("tools").GetRawText());
    }

    private static string? Raw(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.GetRawText() : null;
}
