using System.Text;

namespace AnyClaude.Proxy.Tests.ChatTemplates;

/// <summary>
/// A Claude Code-shaped conversation with what the recorded sessions lack: mid-conversation role:"system"
/// messages, text before a tool call, two tool calls in one turn, a failed tool result, user text next to
/// tool results, and a plain answer followed by a new prompt. Turn n+1 is turn n plus messages, with
/// cache_control moved and the first prompt switched to the string form, as Claude Code does.
/// </summary>
internal static class SyntheticConversation
{
    private const string Cache = ""","cache_control":{"type":"ephemeral"}""";

    private const string System = """
        [{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.197.1c0; cc_entrypoint=sdk-cli;"},
         {"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude.","cache_control":{"type":"ephemeral"}},
         {"type":"text","text":"# Environment\nPlatform: darwin\nUse the tools. Never guess file contents."}]
        """;

    private const string Tools = """
        [{"name":"Bash","description":"Executes a given bash command and returns its output.\n\nUse it for builds and git.","input_schema":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"command":{"type":"string","description":"The command to execute"},"timeout":{"type":"number","description":"Optional timeout in milliseconds"}},"required":["command"],"additionalProperties":false}},
         {"name":"Read","description":"Reads a file from the local filesystem.","input_schema":{"type":"object","properties":{"file_path":{"type":"string","description":"The absolute path to the file to read"},"limit":{"type":"integer"}},"required":["file_path"]}}]
        """;

    // (json, newest-form json) per message; "@C" marks where cache_control goes when the message is the newest.
    private static readonly string[] s_messages =
    [
        """{"role":"system","content":"Today's date is 2026-11-24.\nWorking directory: /Users/me/repo"}""",
        """{"role":"user","content":[{"type":"text","text":"Why does the build fail? Look at the logs."@C}]}""",
        """
        {"role":"assistant","content":[{"type":"thinking","thinking":"Check the log first.","signature":"EqMBCkYIBxgCKkB"},
          {"type":"text","text":"Let me look at the build log."},
          {"type":"tool_use","id":"toolu_01XqVv7dGm2kJb3Lp9TnWc4R","name":"Bash","input":{"command":"tail -n 20 build.log","timeout":120000}}]}
        """,
        """{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01XqVv7dGm2kJb3Lp9TnWc4R","content":"error CS0246: The type 'Foo' could not be found"@C}]}""",
        """{"role":"system","content":"<system-reminder>The TodoWrite tool hasn't been used recently.</system-reminder>"}""",
        """
        {"role":"assistant","content":[{"type":"text","text":"Two files to read."},
          {"type":"tool_use","id":"toolu_01AbHq2XwYc7pLmN4RsT8uVz","name":"Read","input":{"file_path":"/Users/me/repo/src/Foo.cs"}},
          {"type":"tool_use","id":"toolu_01CdJk5PzQa3tRwE6YuI9oBn","name":"Read","input":{"file_path":"/Users/me/repo/src/Bar.cs"}}]}
        """,
        """
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01AbHq2XwYc7pLmN4RsT8uVz","content":[{"type":"text","text":"namespace X;\nclass Foo {}"}]},
          {"type":"tool_result","tool_use_id":"toolu_01CdJk5PzQa3tRwE6YuI9oBn","is_error":true,"content":"File does not exist."},
          {"type":"text","text":"Also check Bar."@C}]}
        """,
        """{"role":"assistant","content":[{"type":"text","text":"Foo is defined in src/Foo.cs; Bar.cs does not exist, which is why the build fails."}]}""",
        """{"role":"user","content":"Create Bar.cs then.@S"}""",
    ];

    // Turn 1 ends after message 1, turn 2 after 3 (the reminder at 4 rides with it), turn 3 after 6, turn 4 after 8.
    private static readonly int[] s_turnEnds = [2, 5, 7, 9];

    public static int TurnCount => s_turnEnds.Length;

    public static byte[] Turn(int turn)
    {
        var count = s_turnEnds[turn];
        var messages = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var newest = i == count - 1;
            var json = s_messages[i].Replace("@C", newest ? Cache : "").Replace("@S", "");
            // From turn 2 on, the client sends the first prompt as a plain string.
            if (turn > 0 && i == 1)
                json = """{"role":"user","content":"Why does the build fail? Look at the logs."}""";
            messages.Add(json);
        }
        return Encoding.UTF8.GetBytes($$"""
            {"model":"claude-sonnet-4-5","max_tokens":32000,"stream":true,"system":{{System}},"tools":{{Tools}},
             "messages":[{{string.Join(",", messages)}}]}
            """);
    }
}
