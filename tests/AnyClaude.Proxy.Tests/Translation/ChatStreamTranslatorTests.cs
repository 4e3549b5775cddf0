using System.Text.Json;
using AnyClaude.Proxy.Translation;
using Xunit;
using static AnyClaude.Proxy.Tests.Translation.StreamTestKit;

namespace AnyClaude.Proxy.Tests.Translation;

public class ChatStreamTranslatorTests
{
    [Fact]
    public void Text_stream_becomes_one_text_block_with_backend_usage()
    {
        var (sse, translator) = RunSse([Role(), Text("Hel"), Text("lo"), Finish("stop"), Usage(120, 2)]);
        var summary = AnthropicSseGrammar.Check(sse);
        var block = Assert.Single(summary.Blocks);
        Assert.Equal("text", block.Kind);
        Assert.Equal("Hello", block.Text);
        Assert.Equal("end_turn", summary.StopReason);
        Assert.Equal(120, summary.FinalUsage!.Value.GetProperty("input_tokens").GetInt32());
        Assert.Equal(2, summary.FinalUsage!.Value.GetProperty("output_tokens").GetInt32());
        Assert.Equal(new UsageCounts(120, 2, 0), translator.Usage);
        Assert.Equal("end_turn", translator.StopReason);
        Assert.True(translator.HasOutput);
        Assert.True(translator.Finished);
    }

    [Fact]
    public void Message_start_carries_id_model_and_the_input_estimate()
    {
        var summary = RunChecked(Text("x"), Finish("stop"));
        var start = summary.StartMessage!.Value;
        Assert.Equal("msg_01test", start.GetProperty("id").GetString());
        Assert.Equal("claude-sonnet-4-5", start.GetProperty("model").GetString());
        Assert.Equal(50, start.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal("message_start", summary.Events[0]);
        Assert.Equal(["message_delta", "message_stop"], summary.Events.TakeLast(2));
    }

    [Fact]
    public void Cached_prompt_tokens_go_to_cache_read_and_out_of_input()
    {
        var (sse, translator) = RunSse([Text("ok"), Finish("stop"), Usage(30000, 5, cached: 29500)]);
        var usage = AnthropicSseGrammar.Check(sse).FinalUsage!.Value;
        Assert.Equal(500, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(29500, usage.GetProperty("cache_read_input_tokens").GetInt32());
        Assert.Equal(5, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(new UsageCounts(500, 5, 29500), translator.Usage);
    }

    [Fact]
    public void Without_backend_usage_the_estimate_and_a_delta_count_are_reported()
    {
        var (sse, translator) = RunSse([Text("a"), Text("b"), Text("c"), Finish("stop")], inputEstimate: 777);
        var usage = AnthropicSseGrammar.Check(sse).FinalUsage!.Value;
        Assert.Equal(777, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(3, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(new UsageCounts(777, 3, 0), translator.Usage);
    }

    [Fact]
    public void All_zero_usage_counts_as_no_report()
    {
        var (_, translator) = RunSse([Text("a"), Text("b"), Finish("stop"), Usage(0, 0)], inputEstimate: 321);
        Assert.Equal(new UsageCounts(321, 2, 0), translator.Usage);
    }

    [Theory]
    [InlineData("reasoning")]
    [InlineData("reasoning_content")]
    public void Reasoning_becomes_a_signed_thinking_block_before_the_text(string field)
    {
        Func<string, string> think = field == "reasoning" ? Reasoning : ReasoningContent;
        var summary = RunChecked(Role(), think("Let me "), think("think."), Text("Answer."), Finish("stop"));
        Assert.Equal(2, summary.Blocks.Count);
        Assert.Equal("thinking", summary.Blocks[0].Kind);
        Assert.Equal("Let me think.", summary.Blocks[0].Text);
        Assert.False(string.IsNullOrEmpty(summary.Blocks[0].Signature));
        Assert.Equal("text", summary.Blocks[1].Kind);
        Assert.Equal("Answer.", summary.Blocks[1].Text);
        var order = summary.Events.ToList();
        Assert.True(order.IndexOf("content_block_stop") < order.LastIndexOf("content_block_start"));
    }

    [Fact]
    public void Reasoning_sent_in_both_fields_is_not_duplicated()
    {
        var summary = RunChecked(Chunk("""{"reasoning":"hmm","reasoning_content":"hmm"}"""), Text("x"), Finish("stop"));
        Assert.Equal("hmm", summary.Blocks[0].Text);
    }

    [Fact]
    public void Thinking_open_at_the_end_still_gets_its_signature()
    {
        var summary = RunChecked(Reasoning("only thoughts"), Finish("length"));
        Assert.Equal("thinking", Assert.Single(summary.Blocks).Kind);
        Assert.Equal("max_tokens", summary.StopReason);
    }

    [Fact]
    public void Fragmented_tool_call_lm_studio_style_streams_input_json_deltas()
    {
        var summary = RunChecked(
            Role(),
            Text("I'll list the files."),
            ToolFragment(0, "call_abc123", "Bash", ""),
            ToolFragment(0, null, null, "{\"comm"),
            ToolFragment(0, null, null, "and\":\"ls -la\"}"),
            Finish("tool_calls"),
            Usage(900, 20));
        Assert.Equal(2, summary.Blocks.Count);
        var tool = summary.Blocks[1];
        Assert.Equal("tool_use", tool.Kind);
        Assert.Equal("call_abc123", tool.ToolId);
        Assert.Equal("Bash", tool.ToolName);
        Assert.Equal("""{"command":"ls -la"}""", tool.Text);
        Assert.Equal("tool_use", summary.StopReason);
        // Two argument fragments, no empty delta for the first (empty) one.
        Assert.Equal(2, summary.Events.Count(e => e == "content_block_delta") - 1);
    }

    [Fact]
    public void Whole_tool_call_in_one_chunk_mlx_style_with_finish_stop_is_tool_use()
    {
        var summary = RunChecked(
            ToolFragment(0, "6f1c2f0e-8a4b-4c8e-9a51-3f8d2c1b7e90", "Read", """{"file_path": "/tmp/a.txt"}"""),
            Finish("stop"));
        var tool = Assert.Single(summary.Blocks);
        Assert.Equal("6f1c2f0e-8a4b-4c8e-9a51-3f8d2c1b7e90", tool.ToolId);
        Assert.Equal("""{"file_path": "/tmp/a.txt"}""", tool.Text);
        Assert.Equal("tool_use", summary.StopReason);
    }

    [Fact]
    public void Whitespace_between_tool_fragments_does_not_split_the_call()
    {
        var summary = RunChecked(
            ToolFragment(0, "call_1", "Bash", "{\"command\":"),
            Text("\n"),
            ToolFragment(0, null, null, "\"ls\"}"),
            Text("\n"),
            Text("Done."),
            Finish("tool_calls"));
        Assert.Equal(["tool_use", "text"], summary.Blocks.Select(b => b.Kind));
        Assert.Equal("""{"command":"ls"}""", summary.Blocks[0].Text);
        Assert.Equal("\nDone.", summary.Blocks[1].Text);
    }

    [Fact]
    public void Trailing_whitespace_after_a_tool_call_adds_no_block()
    {
        var summary = RunChecked(ToolFragment(0, "c", "Bash", "{}"), Text("\n\n"), Finish("tool_calls"));
        Assert.Equal("tool_use", Assert.Single(summary.Blocks).Kind);
    }

    [Fact]
    public void Parallel_fragmented_calls_are_matched_by_index()
    {
        var summary = RunChecked(
            ToolFragment(0, "call_1", "Read", ""),
            ToolFragment(0, null, null, "{\"file_path\":"),
            ToolFragment(0, null, null, "\"a.txt\"}"),
            ToolFragment(1, "call_2", "Read", "{\"file_path\":"),
            ToolFragment(1, null, null, "\"b.txt\"}"),
            Finish("tool_calls"));
        Assert.Equal(2, summary.Blocks.Count);
        Assert.Equal(("call_1", """{"file_path":"a.txt"}"""), (summary.Blocks[0].ToolId, summary.Blocks[0].Text));
        Assert.Equal(("call_2", """{"file_path":"b.txt"}"""), (summary.Blocks[1].ToolId, summary.Blocks[1].Text));
    }

    [Fact]
    public void Several_whole_calls_in_one_chunk_become_separate_blocks()
    {
        var summary = RunChecked(
            Chunk("""{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"Glob","arguments":"{\"pattern\":\"*.cs\"}"}},{"index":1,"id":"b","type":"function","function":{"name":"Grep","arguments":"{\"pattern\":\"TODO\"}"}}]}"""),
            Finish("tool_calls"));
        Assert.Equal(["Glob", "Grep"], summary.Blocks.Select(b => b.ToolName));
        Assert.Equal(["""{"pattern":"*.cs"}""", """{"pattern":"TODO"}"""], summary.Blocks.Select(b => b.Text));
    }

    [Fact]
    public void Missing_ids_are_generated_and_unsafe_ids_sanitised()
    {
        var summary = RunChecked(
            ToolFragment(0, null, "Bash", "{\"command\":\"pwd\"}"),
            ToolFragment(1, "call:7", "Bash", "{\"command\":\"ls\"}"),
            Finish("tool_calls"));
        Assert.Matches("^toolu_[A-Za-z0-9]{24}$", summary.Blocks[0].ToolId);
        Assert.Equal("call_7", summary.Blocks[1].ToolId);
    }

    [Fact]
    public void Arguments_before_the_name_wait_for_it()
    {
        var summary = RunChecked(
            ToolFragment(0, "call_x", null, "{\"a\":"),
            ToolFragment(0, null, "Edit", "1}"),
            Finish("tool_calls"));
        var tool = Assert.Single(summary.Blocks);
        Assert.Equal("Edit", tool.ToolName);
        Assert.Equal("""{"a":1}""", tool.Text);
    }

    [Fact]
    public void Tool_call_with_empty_arguments_gets_an_empty_object_input()
    {
        var summary = RunChecked(ToolFragment(0, "c", "TodoRead", ""), Finish("tool_calls"));
        Assert.Equal("{}", Assert.Single(summary.Blocks).Text);
    }

    [Fact]
    public void Empty_and_role_only_deltas_create_no_blocks()
    {
        var summary = RunChecked(Role(), Text(""), Chunk("""{"content":null}"""), Finish("stop"));
        Assert.Empty(summary.Blocks);
        Assert.Equal("end_turn", summary.StopReason);
    }

    [Theory]
    [InlineData("stop", "end_turn")]
    [InlineData("length", "max_tokens")]
    [InlineData("content_filter", "refusal")]
    [InlineData("tool_calls", "end_turn")] // no call was emitted: a tool_use stop without a block would stall the client
    public void Finish_reasons_map_to_stop_reasons(string finish, string expected)
    {
        var (sse, translator) = RunSse([Text("x"), Finish(finish)]);
        Assert.Equal(expected, AnthropicSseGrammar.Check(sse).StopReason);
        Assert.Equal(expected, translator.StopReason);
    }

    [Fact]
    public void A_named_stop_string_vllm_style_becomes_stop_sequence()
    {
        var stop = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\",\"stop_reason\":\"</done>\"}]}";
        var (sse, translator) = RunSse([Text("x"), stop]);
        AnthropicSseGrammar.Check(sse);
        Assert.Equal("stop_sequence", translator.StopReason);
        Assert.Contains("\"stop_sequence\":\"</done>\"", sse);
    }

    [Fact]
    public void A_stream_without_finish_reason_is_an_error_not_a_success()
    {
        var (sse, translator) = RunSse([Text("partial ans")], complete: false);
        Assert.True(translator.HasOutput);
        Assert.False(translator.Finished);
        var error = Assert.Throws<BackendStreamException>(translator.Complete);
        Assert.Contains("finish_reason", error.Message);
        Assert.DoesNotContain("message_stop", sse);
    }

    [Fact]
    public void An_error_object_inside_the_stream_throws()
    {
        var (_, translator) = RunSse([Text("a")], complete: false);
        var error = Assert.Throws<BackendStreamException>(() =>
            translator.OnChunk("""{"error":{"message":"Model unloaded"}}"""u8));
        Assert.Contains("Model unloaded", error.Message);
    }

    [Fact]
    public void A_chunk_that_is_not_json_is_a_stream_error()
    {
        var (_, translator) = RunSse([Text("a")], complete: false);
        var error = Assert.Throws<BackendStreamException>(() => translator.OnChunk("{\"choices\":[{\"delta\":"u8));
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void Usage_is_known_before_complete_for_records_of_failed_streams()
    {
        var (_, translator) = RunSse([Text("a"), Text("b")], complete: false, inputEstimate: 99);
        Assert.Equal(new UsageCounts(99, 2, 0), translator.Usage);
        Assert.Null(translator.StopReason);
    }

    [Fact]
    public void Interleaved_fragments_of_a_closed_call_are_an_error_not_lost()
    {
        var (_, translator) = RunSse([ToolFragment(0, "a", "Read", "{\"x\":"), ToolFragment(1, "b", "Read", "{}")], complete: false);
        Assert.Throws<BackendStreamException>(() => translator.OnChunk(System.Text.Encoding.UTF8.GetBytes(ToolFragment(0, null, null, "1}"))));
    }

    [Fact]
    public void No_output_before_the_first_delta()
    {
        var (_, translator) = RunSse([Role()], complete: false);
        Assert.False(translator.HasOutput);
    }

    [Fact]
    public void Aggregated_message_has_blocks_parsed_input_stop_reason_and_usage()
    {
        var message = RunAggregated(
            Reasoning("plan"), Text("Reading."),
            ToolFragment(0, "call_1", "Read", "{\"file_path\":"), ToolFragment(0, null, null, "\"a.txt\"}"),
            Finish("tool_calls"), Usage(100, 10, cached: 60));
        Assert.Equal("msg_01test", message.GetProperty("id").GetString());
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal("claude-sonnet-4-5", message.GetProperty("model").GetString());
        var content = message.GetProperty("content").EnumerateArray().ToArray();
        Assert.Equal("thinking", content[0].GetProperty("type").GetString());
        Assert.Equal("plan", content[0].GetProperty("thinking").GetString());
        Assert.False(string.IsNullOrEmpty(content[0].GetProperty("signature").GetString()));
        Assert.Equal("Reading.", content[1].GetProperty("text").GetString());
        Assert.Equal("tool_use", content[2].GetProperty("type").GetString());
        Assert.Equal("call_1", content[2].GetProperty("id").GetString());
        Assert.Equal("Read", content[2].GetProperty("name").GetString());
        Assert.Equal("a.txt", content[2].GetProperty("input").GetProperty("file_path").GetString());
        Assert.Equal("tool_use", message.GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("stop_sequence").ValueKind);
        var usage = message.GetProperty("usage");
        Assert.Equal(40, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(60, usage.GetProperty("cache_read_input_tokens").GetInt32());
        Assert.Equal(10, usage.GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public void Aggregated_malformed_arguments_become_an_empty_object()
    {
        var message = RunAggregated(ToolFragment(0, "c", "Bash", "{\"command\": "), Finish("tool_calls"));
        Assert.Equal("{}", message.GetProperty("content")[0].GetProperty("input").GetRawText());
    }
}
