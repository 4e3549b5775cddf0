using System.Text.Json;
using AnyClaude.Proxy.Translation;
using Xunit;
using static AnyClaude.Proxy.Tests.Translation.TranslationTestKit;

namespace AnyClaude.Proxy.Tests.Translation;

public class ChatRequestTranslatorTests
{
    private const string ClaudeCodeSystem = """
        "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.197.1c0; cc_entrypoint=sdk-cli;"},
                  {"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude.","cache_control":{"type":"ephemeral"}},
                  {"type":"text","text":"Use the tools available to you.","cache_control":{"type":"ephemeral"}}]
        """;

    [Fact]
    public void Always_streams_with_usage_and_sends_max_tokens()
    {
        var chat = ToChatJson(Request("""[{"role":"user","content":"hi"}]"""), LmStudio, maxTokens: 1234);
        Assert.True(chat.GetProperty("stream").GetBoolean());
        Assert.True(chat.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(1234, chat.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public void Model_is_the_profile_model_or_omitted_never_the_claude_name()
    {
        var body = Request("""[{"role":"user","content":"hi"}]""");
        Assert.False(ToChatJson(body, MlxLm).TryGetProperty("model", out _));
        Assert.DoesNotContain("claude-sonnet", ToChat(body, MlxLm));
        var withModel = LmStudio with { Model = "qwen/qwen3-coder-30b" };
        Assert.Equal("qwen/qwen3-coder-30b", ToChatJson(body, withModel).GetProperty("model").GetString());
    }

    [Fact]
    public void System_blocks_become_one_leading_system_message_without_attribution_or_cache_control()
    {
        var chat = ToChatJson(Request("""[{"role":"user","content":"hi"}]""", ClaudeCodeSystem), LmStudio);
        var messages = Messages(chat);
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Equal("You are Claude Code, Anthropic's official CLI for Claude.\n\nUse the tools available to you.", Content(messages[0]));
        var raw = chat.GetRawText();
        Assert.DoesNotContain("x-anthropic-billing-header", raw);
        Assert.DoesNotContain("cache_control", raw);
    }

    [Fact]
    public void System_string_loses_its_attribution_line_only()
    {
        var chat = ToChatJson(Request("""[{"role":"user","content":"hi"}]""",
            """ "system":"x-anthropic-billing-header: cc_version=2.1.1; cch=abc;\nYou are helpful.\nBe brief." """), LmStudio);
        Assert.Equal("You are helpful.\nBe brief.", Content(Messages(chat)[0]));
    }

    [Fact]
    public void No_system_message_when_there_is_no_system_text()
    {
        var messages = Messages(ToChatJson(Request("""[{"role":"user","content":"hi"}]"""), LmStudio));
        Assert.Single(messages);
        Assert.Equal("user", messages[0].GetProperty("role").GetString());
    }

    [Fact]
    public void Role_system_messages_are_folded_into_the_adjacent_user_turn_never_dropped()
    {
        var body = Request("""
            [{"role":"system","content":"Today's date is 2026-11-24."},
             {"role":"user","content":"What is in this folder?"},
             {"role":"system","content":[{"type":"text","text":"Working directory: /home/u/repo"}]},
             {"role":"assistant","content":"Let me look."},
             {"role":"user","content":"thanks"}]
            """, ClaudeCodeSystem);
        var messages = Messages(ToChatJson(body, LmStudio));
        Assert.Equal(["system", "user", "assistant", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        // In the conversation's first user message a later system text goes before the user's own words (issue 20:
        // 2.1.332 sends its environment after the first prompt; before it, every session's head is one cacheable prefix).
        Assert.Equal(
            "<system-reminder>\nToday's date is 2026-11-24.\n</system-reminder>\n\n<system-reminder>\nWorking directory: /home/u/repo\n</system-reminder>\n\nWhat is in this folder?",
            Content(messages[1]));
        Assert.Equal(1, messages.Count(m => m.GetProperty("role").GetString() == "system"));
    }

    [Fact]
    public void Two_sessions_with_other_first_prompts_share_the_rendered_head_up_to_the_prompt()
    {
        static string First(string prompt) => Content(Messages(ToChatJson(Request($$"""
            [{"role":"user","content":[{"type":"text","text":"<system-reminder>context</system-reminder>"},{"type":"text","text":"{{prompt}}"}]},
             {"role":"system","content":"<system-reminder>\n# Environment\nPrimary working directory: /home/u/repo\n</system-reminder>"}]
            """, ClaudeCodeSystem), LmStudio))[1]);
        var a = First("fix the parser");
        var b = First("say hello");
        var head = "<system-reminder>context</system-reminder>\n\n<system-reminder>\n# Environment\nPrimary working directory: /home/u/repo\n</system-reminder>\n\n";
        Assert.StartsWith(head, a, StringComparison.Ordinal);
        Assert.StartsWith(head, b, StringComparison.Ordinal);
        Assert.EndsWith("fix the parser", a, StringComparison.Ordinal);
    }

    [Fact]
    public void Role_system_message_after_an_assistant_turn_rides_in_the_next_user_message()
    {
        var body = Request("""
            [{"role":"user","content":"a"},{"role":"assistant","content":"b"},
             {"role":"system","content":"<system-reminder>todo list changed</system-reminder>"},
             {"role":"user","content":"c"}]
            """);
        var messages = Messages(ToChatJson(body, LmStudio));
        Assert.Equal(3, messages.Length);
        Assert.Equal("<system-reminder>todo list changed</system-reminder>\n\nc", Content(messages[2]));
    }

    [Fact]
    public void Trailing_role_system_message_after_assistant_becomes_a_user_message()
    {
        var body = Request("""[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"system","content":"left: 100 tokens"}]""");
        var messages = Messages(ToChatJson(body, LmStudio));
        Assert.Equal("user", messages[^1].GetProperty("role").GetString());
        Assert.Contains("left: 100 tokens", Content(messages[^1]));
    }

    [Fact]
    public void Role_system_message_between_a_tool_call_and_its_result_does_not_separate_them()
    {
        var messages = Messages(ToChatJson(Request("""
            [{"role":"user","content":"go"},
             {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"make"}}]},
             {"role":"system","content":"Build started at 10:00"},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"done"},{"type":"text","text":"next?"}]}]
            """), LmStudio));
        Assert.Equal(["user", "assistant", "tool", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("<system-reminder>\nBuild started at 10:00\n</system-reminder>\n\nnext?", Content(messages[3]));
    }

    [Fact]
    public void String_and_single_text_block_render_identically()
    {
        var asString = ToChat(Request("""[{"role":"user","content":"Fix the bug"}]"""), LmStudio);
        var asBlock = ToChat(Request("""[{"role":"user","content":[{"type":"text","text":"Fix the bug","cache_control":{"type":"ephemeral"}}]}]"""), LmStudio);
        Assert.Equal(asString, asBlock);
        Assert.Contains("\"content\":\"Fix the bug\"", asString);
    }

    [Fact]
    public void Several_text_blocks_join_with_a_blank_line_as_one_string()
    {
        var chat = ToChatJson(Request("""[{"role":"user","content":[{"type":"text","text":"<system-reminder>x</system-reminder>"},{"type":"text","text":"do it"}]}]"""), LmStudio);
        Assert.Equal("<system-reminder>x</system-reminder>\n\ndo it", Content(Messages(chat)[0]));
    }

    [Fact]
    public void Images_become_image_url_parts()
    {
        var chat = ToChatJson(Request("""
            [{"role":"user","content":[{"type":"text","text":"what is this?"},
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
              {"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}}]}]
            """), LmStudio);
        var parts = Messages(chat)[0].GetProperty("content").EnumerateArray().ToArray();
        Assert.Equal(3, parts.Length);
        Assert.Equal("what is this?", parts[0].GetProperty("text").GetString());
        Assert.Equal("image_url", parts[1].GetProperty("type").GetString());
        Assert.Equal("data:image/png;base64,iVBORw0KGgo=", parts[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("https://example.com/a.jpg", parts[2].GetProperty("image_url").GetProperty("url").GetString());
    }

    [Fact]
    public void Text_only_backends_get_a_note_instead_of_an_image()
    {
        var chat = ToChatJson(Request("""
            [{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
              {"type":"text","text":"describe"}]}]
            """), MlxLm);
        Assert.Equal("[image omitted: the MLX-LM backend accepts text only]\n\ndescribe", Content(Messages(chat)[0]));
        Assert.DoesNotContain("image_url", chat.GetRawText());
    }

    [Fact]
    public void Documents_render_their_text_or_a_note()
    {
        var chat = ToChatJson(Request("""
            [{"role":"user","content":[{"type":"document","title":"notes.txt","source":{"type":"text","media_type":"text/plain","data":"line one"}},
              {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}}]}]
            """), LmStudio);
        var text = Content(Messages(chat)[0]);
        Assert.StartsWith("notes.txt\n\nline one\n\n[document omitted: application/pdf documents cannot be sent to", text);
        Assert.DoesNotContain("JVBERi0", text);
    }

    private const string ToolRoundTrip = """
        [{"role":"user","content":"list files"},
         {"role":"assistant","content":[
            {"type":"thinking","thinking":"I should run ls.","signature":"EqQBCkgIAhABGAIiQ"},
            {"type":"text","text":"Running two commands."},
            {"type":"tool_use","id":"toolu_01A","name":"Bash","input":{"command":"ls -la", "description":"List files"}},
            {"type":"tool_use","id":"toolu_01B","name":"Read","input":{"file_path":"/tmp/\u00e9t\u00e9.txt"}}]},
         {"role":"user","content":[
            {"type":"tool_result","tool_use_id":"toolu_01A","content":"a.txt\nb.txt"},
            {"type":"tool_result","tool_use_id":"toolu_01B","is_error":true,"content":[{"type":"text","text":"File does not exist."}]},
            {"type":"text","text":"and then summarise"}]}]
        """;

    [Fact]
    public void Tool_use_becomes_tool_calls_with_the_original_argument_bytes()
    {
        var chat = ToChatJson(Request(ToolRoundTrip), LmStudio);
        var assistant = Messages(chat)[1];
        Assert.Equal("assistant", assistant.GetProperty("role").GetString());
        Assert.Equal("Running two commands.", Content(assistant));
        var calls = assistant.GetProperty("tool_calls").EnumerateArray().ToArray();
        Assert.Equal(2, calls.Length);
        Assert.Equal(ToolCallIds.Hash("toolu_01A", 0), calls[0].GetProperty("id").GetString());
        Assert.Equal("function", calls[0].GetProperty("type").GetString());
        Assert.Equal("Bash", calls[0].GetProperty("function").GetProperty("name").GetString());
        // Byte-for-byte, including the client's space after the comma and its \u escapes.
        Assert.Equal("""{"command":"ls -la", "description":"List files"}""", calls[0].GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal("""{"file_path":"/tmp/\u00e9t\u00e9.txt"}""", calls[1].GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public void Thinking_blocks_never_become_visible_text()
    {
        var raw = ToChat(Request(ToolRoundTrip), LmStudio);
        Assert.DoesNotContain("I should run ls.", raw);
        Assert.DoesNotContain("EqQBCkgIAhABGAIiQ", raw);
        var onlyThinking = ToChatJson(Request("""[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"thinking","thinking":"secret","signature":"s"},{"type":"redacted_thinking","data":"xyz"}]},{"role":"user","content":"b"}]"""), LmStudio);
        Assert.Equal("", Content(Messages(onlyThinking)[1]));
        Assert.DoesNotContain("secret", onlyThinking.GetRawText());
    }

    [Fact]
    public void Tool_results_become_tool_messages_before_the_user_text_with_errors_marked()
    {
        var messages = Messages(ToChatJson(Request(ToolRoundTrip), LmStudio));
        Assert.Equal(["user", "assistant", "tool", "tool", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        var callIds = messages[1].GetProperty("tool_calls").EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToArray();
        Assert.Equal(callIds[0], messages[2].GetProperty("tool_call_id").GetString());
        Assert.Equal("a.txt\nb.txt", Content(messages[2]));
        Assert.Equal(callIds[1], messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal("[tool error] File does not exist.", Content(messages[3]));
        Assert.Equal("and then summarise", Content(messages[4]));
    }

    [Fact]
    public void User_text_before_a_tool_result_still_follows_the_tool_messages()
    {
        var messages = Messages(ToChatJson(Request("""
            [{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{}}]},
             {"role":"user","content":[{"type":"text","text":"first"},{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]
            """), LmStudio));
        Assert.Equal(["assistant", "tool", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("first", Content(messages[2]));
    }

    [Fact]
    public void Images_in_tool_results_follow_in_a_user_message_or_become_a_note()
    {
        const string messages = """
            [{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Screenshot","input":{}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"captured"},
                {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}}]}]}]
            """;
        var lm = Messages(ToChatJson(Request(messages), LmStudio));
        Assert.Equal(["assistant", "tool", "user"], lm.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("captured", Content(lm[1]));
        var parts = lm[2].GetProperty("content").EnumerateArray().ToArray();
        Assert.Equal("[image from the result of Screenshot]", parts[0].GetProperty("text").GetString());
        Assert.Equal("data:image/jpeg;base64,/9j/4AAQ", parts[1].GetProperty("image_url").GetProperty("url").GetString());

        var mlx = Messages(ToChatJson(Request(messages), MlxLmNativeTools));
        Assert.Equal(["assistant", "tool"], mlx.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("captured\n\n[image omitted: the MLX-LM backend accepts text only]", Content(mlx[1]));
    }

    [Fact]
    public void Without_tools_history_is_rendered_as_readable_text()
    {
        var chat = ToChatJson(Request(ToolRoundTrip, """ "tools":[{"name":"Bash","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto"} """), MlxLm);
        Assert.False(chat.TryGetProperty("tools", out _));
        Assert.False(chat.TryGetProperty("tool_choice", out _));
        var messages = Messages(chat);
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(
            """Running two commands.""" + "\n\n" + """[called tool Bash with input {"command":"ls -la", "description":"List files"}]""" + "\n\n"
            + """[called tool Read with input {"file_path":"/tmp/\u00e9t\u00e9.txt"}]""",
            Content(messages[1]));
        Assert.Equal("[result of Bash: a.txt\nb.txt]\n\n[result of Read: [tool error] File does not exist.]\n\nand then summarise", Content(messages[2]));
        Assert.DoesNotContain("tool_calls", chat.GetRawText());
    }

    [Fact]
    public void Mlx_content_is_always_a_string_and_arguments_valid_json()
    {
        var chat = ToChatJson(Request(ToolRoundTrip), MlxLmNativeTools);
        foreach (var message in Messages(chat))
        {
            Assert.Equal(JsonValueKind.String, message.GetProperty("content").ValueKind);
            if (message.TryGetProperty("tool_calls", out var calls))
                foreach (var call in calls.EnumerateArray())
                    using (JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!)) { }
        }
    }

    private const string Tools = """
        "tools":[{"name":"WebFetch","description":"Fetch a URL","input_schema":{
            "$schema":"http://json-schema.org/draft-07/schema#","type":"object",
            "properties":{"url":{"type":"string","format":"uri"},"format":{"type":"string","enum":["md","html"]},
              "headers":{"type":"array","items":{"type":"object","properties":{"when":{"type":"string","format":"date-time"}}}},
              "mode":{"anyOf":[{"type":"string","format":"email"},{"type":"null"}]}},
            "required":["url","format"],"additionalProperties":false},"cache_control":{"type":"ephemeral"}},
          {"name":"Noop"}]
        """;

    [Theory]
    [InlineData("""{"description":"d","anyOf":[{"type":"string","enum":["a","b"]},{"type":"string","const":"c"}]}""", """{"type":"string","description":"d","anyOf":[{"type":"string","enum":["a","b"]},{"type":"string","const":"c"}]}""")]
    [InlineData("""{"description":"any JSON value"}""", """{"type":["string","number","integer","boolean","object","array","null"],"description":"any JSON value"}""")]
    [InlineData("""{"enum":["x",1,true]}""", """{"type":["string","integer","boolean"],"enum":["x",1,true]}""")]
    [InlineData("""{"const":2.5}""", """{"type":"number","const":2.5}""")]
    [InlineData("""{"oneOf":[{"type":["string","null"]},{"description":"anything"}]}""", """{"type":["string","null","number","integer","boolean","object","array"],"oneOf":[{"type":["string","null"]},{"description":"anything"}]}""")]
    [InlineData("""{"$ref":"#/$defs/x"}""", """{"$ref":"#/$defs/x"}""")]
    [InlineData("""{"allOf":[{"type":"string"}]}""", """{"allOf":[{"type":"string"}]}""")]
    [InlineData("""{"type":"string"}""", """{"type":"string"}""")]
    [InlineData("""{"type":"object","additionalProperties":{}}""", """{"type":"object","additionalProperties":{},"properties":{}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"description":"x"}}}""", """{"type":"object","properties":{"a":{"type":["string","number","integer","boolean","object","array","null"],"description":"x"}}}""")]
    public void A_parameter_without_type_gets_the_type_its_schema_allows(string property, string expected)
    {
        var chat = ToChatJson(Request("""[{"role":"user","content":"x"}]""",
            "\"tools\":[{\"name\":\"T\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"p\":" + property + "}}}]"), LmStudio);
        Assert.Equal(expected, chat.GetProperty("tools")[0].GetProperty("function").GetProperty("parameters").GetProperty("properties").GetProperty("p").GetRawText());
    }

    [Fact]
    public void Tools_become_functions_with_unsupported_keywords_removed_but_properties_named_like_them_kept()
    {
        var chat = ToChatJson(Request("""[{"role":"user","content":"x"}]""", Tools), LmStudio);
        var tools = chat.GetProperty("tools").EnumerateArray().ToArray();
        Assert.Equal(2, tools.Length);
        Assert.Equal("function", tools[0].GetProperty("type").GetString());
        var function = tools[0].GetProperty("function");
        Assert.Equal("WebFetch", function.GetProperty("name").GetString());
        Assert.Equal("Fetch a URL", function.GetProperty("description").GetString());
        Assert.Equal(
            """{"type":"object","properties":{"url":{"type":"string"},"format":{"type":"string","enum":["md","html"]},"headers":{"type":"array","items":{"type":"object","properties":{"when":{"type":"string"}}}},"mode":{"type":["string","null"],"anyOf":[{"type":"string"},{"type":"null"}]}},"required":["url","format"],"additionalProperties":false}""",
            function.GetProperty("parameters").GetRawText());
        Assert.Equal("""{"type":"object","properties":{}}""", tools[1].GetProperty("function").GetProperty("parameters").GetRawText());
        Assert.DoesNotContain("cache_control", chat.GetRawText());
    }

    [Theory]
    [InlineData("""{"type":"auto"}""", "\"auto\"")]
    [InlineData("""{"type":"any"}""", "\"required\"")]
    [InlineData("""{"type":"none"}""", "\"none\"")]
    [InlineData("""{"type":"tool","name":"WebFetch"}""", """{"type":"function","function":{"name":"WebFetch"}}""")]
    public void Tool_choice_maps_to_openai_values(string choice, string expected)
    {
        var chat = ToChatJson(Request("""[{"role":"user","content":"x"}]""", Tools + ",\"tool_choice\":" + choice), LmStudio);
        Assert.Equal(expected, chat.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public void Disabling_parallel_tool_use_is_forwarded()
    {
        var chat = ToChatJson(Request("""[{"role":"user","content":"x"}]""", Tools + ""","tool_choice":{"type":"auto","disable_parallel_tool_use":true}"""), LmStudio);
        Assert.False(chat.GetProperty("parallel_tool_calls").GetBoolean());
    }

    [Fact]
    public void Sampling_parameters_and_stop_sequences_are_forwarded()
    {
        var chat = ToChatJson(Request("""[{"role":"user","content":"x"}]""",
            """ "temperature":0.7,"top_p":0.9,"top_k":40,"stop_sequences":["</done>","STOP"],"metadata":{"user_id":"u1"},"thinking":{"type":"enabled","budget_tokens":1000} """), LmStudio);
        Assert.Equal(0.7, chat.GetProperty("temperature").GetDouble());
        Assert.Equal(0.9, chat.GetProperty("top_p").GetDouble());
        Assert.Equal(40, chat.GetProperty("top_k").GetInt32());
        Assert.Equal("""["</done>","STOP"]""", chat.GetProperty("stop").GetRawText());
        Assert.False(chat.TryGetProperty("metadata", out _));
        Assert.False(chat.TryGetProperty("thinking", out _));
    }

    [Fact]
    public void Server_tools_are_not_offered_to_local_backends()
    {
        var chat = ToChatJson(Request("""[{"role":"user","content":"x"}]""",
            """ "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":5}] """), LmStudio);
        Assert.False(chat.TryGetProperty("tools", out _));
    }

    [Fact]
    public void Same_input_gives_the_same_bytes()
    {
        var body = Request(ToolRoundTrip, ClaudeCodeSystem + "," + Tools);
        Assert.Equal(ToChat(body, LmStudio), ToChat(body, LmStudio));
        Assert.Equal(ToChat(body, MlxLm), ToChat(body, MlxLm));
    }
}
