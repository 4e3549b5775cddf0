using System.Text.Json;
using AnyClaude.Diagnostics;
using AnyClaude.Diagnostics.Checks;
using AnyClaude.Diagnostics.Workload;
using Xunit;

namespace AnyClaude.Proxy.Tests.Diagnostics;

public sealed class WorkloadTests
{
    [Fact]
    public void A_Claude_Code_sized_workload_matches_the_measured_footprint()
    {
        var w = ClaudeCodeWorkload.ClaudeCodeSized();

        Assert.InRange(w.SystemTokens, ClaudeCodeFootprint.SystemTokens, ClaudeCodeFootprint.SystemTokens * 1.05);
        Assert.InRange(w.ToolTokens, ClaudeCodeFootprint.ToolTokens, ClaudeCodeFootprint.ToolTokens * 1.05);
    }

    [Fact]
    public void Tools_are_distinct_JSON_schema_tools_not_filler()
    {
        var w = ClaudeCodeWorkload.Scaled(20_000);
        var tools = JsonDocument.Parse(w.AnthropicTools().ToJsonString()).RootElement.EnumerateArray().ToList();

        Assert.Equal(tools.Count, tools.Select(t => t.GetProperty("name").GetString()).Distinct().Count());
        Assert.All(tools, t =>
        {
            var schema = t.GetProperty("input_schema");
            Assert.Equal("object", schema.GetProperty("type").GetString());
            Assert.True(schema.GetProperty("properties").EnumerateObject().Any());
            foreach (var required in schema.GetProperty("required").EnumerateArray())
                Assert.True(schema.GetProperty("properties").TryGetProperty(required.GetString()!, out _));
        });
        var openAi = JsonDocument.Parse(w.OpenAiTools().ToJsonString()).RootElement;
        Assert.All(openAi.EnumerateArray(), t => Assert.Equal("function", t.GetProperty("type").GetString()));
        Assert.Equal(tools.Count, openAi.GetArrayLength());
    }

    [Fact]
    public void Scaled_workloads_keep_Claude_Code_s_split_and_reach_the_size()
    {
        var w = ClaudeCodeWorkload.Scaled(40_000);
        Assert.InRange(w.SystemTokens + w.ToolTokens, 40_000, 42_000);
        Assert.True(w.ToolTokens > w.SystemTokens);
    }

    [Fact]
    public void Two_runs_differ_from_their_first_bytes_so_neither_reuses_the_other_s_cache()
    {
        var a = ClaudeCodeWorkload.Create(1000, 1000, "run-a");
        var b = ClaudeCodeWorkload.Create(1000, 1000, "run-b");
        Assert.NotEqual(a.SystemText[..20], b.SystemText[..20]);
        Assert.NotEqual(a.AnthropicTools()[0]!["description"]!.ToString()[..10], b.AnthropicTools()[0]!["description"]!.ToString()[..10]);
    }

    [Fact]
    public void Claude_Code_needs_more_context_where_tools_are_sent()
    {
        Assert.Equal(ClaudeCodeFootprint.SystemTokens + ClaudeCodeFootprint.ToolTokens + ClaudeCodeFootprint.WorkingRoomTokens,
            ClaudeCodeFootprint.RequiredContextTokens(toolsSent: true));
        Assert.Equal(ClaudeCodeFootprint.SystemTokens + ClaudeCodeFootprint.WorkingRoomTokens,
            ClaudeCodeFootprint.RequiredContextTokens(toolsSent: false));
    }

    [Theory]
    [InlineData(new[] { "message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop" }, null)]
    [InlineData(new[] { "message_start", "ping", "content_block_start", "ping", "content_block_delta", "content_block_stop", "message_delta", "message_stop" }, null)]
    [InlineData(new[] { "content_block_start", "message_stop" }, "message_start")]
    [InlineData(new[] { "message_start", "content_block_start", "content_block_delta", "message_delta", "message_stop" }, "open")]
    [InlineData(new[] { "message_start", "content_block_start", "content_block_stop", "message_delta" }, "message_stop")]
    [InlineData(new[] { "message_start", "message_start", "message_delta", "message_stop" }, "twice")]
    [InlineData(new[] { "message_start", "content_block_delta", "message_delta", "message_stop" }, "outside")]
    [InlineData(new[] { "message_start", "message_delta", "content_block_start", "content_block_delta", "content_block_stop", "message_stop" }, "after message_delta")]
    [InlineData(new[] { "message_start", "message_delta", "message_delta", "message_stop" }, "twice")]
    [InlineData(new[] { "message_start", "message_stop" }, "no message_delta")]
    [InlineData(new[] { "message_start", "message_delta", "message_stop", "ping", "message_stop" }, "follows message_stop")]
    [InlineData(new[] { "message_start", "content_block_start", "error" }, "error event")]
    [InlineData(new[] { "message_start", "error", "message_stop" }, "follows an error event")]
    public void The_stream_grammar_check_accepts_valid_streams_and_names_the_fault(string[] events, string? fault)
    {
        var problem = AnthropicGrammar.Problem(events);
        if (fault is null) Assert.Null(problem);
        else Assert.Contains(fault, problem);
    }
}
