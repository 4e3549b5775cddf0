using System.Text.Json;
using Xunit;

namespace AnyClaude.Proxy.Tests.Translation;

/// <summary>One content block of a checked stream, reassembled from its deltas.</summary>
public sealed record StreamBlock(string Kind, string Text, string? ToolId, string? ToolName, string? Signature);

/// <summary>What a valid Anthropic SSE stream said.</summary>
public sealed record StreamSummary(
    IReadOnlyList<string> Events,
    IReadOnlyList<StreamBlock> Blocks,
    string? StopReason,
    JsonElement? FinalUsage,
    JsonElement? StartMessage,
    string? ErrorType,
    string? ErrorMessage);

/// <summary>
/// Parses Anthropic SSE output (frames read with the engine's reader, <see cref="SseText"/>) and asserts the stream grammar (protocol notes, section 2): frames are
/// "event: T\ndata: {json}\n\n" with T == data.type; message_start first and once; blocks numbered from 0, one
/// open at a time, each with at least one non-empty delta of its own kind; a thinking block's signature_delta
/// before its stop; message_delta then message_stop last; ping anywhere; an error event ends the stream.
/// Reusable by any test that reads the proxy's streaming output.
/// </summary>
public static class AnthropicSseGrammar
{
    private static readonly HashSet<string> s_stopReasons =
        ["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded"];

    /// <summary>Checks a complete stream. requireComplete: false accepts a stream that ends with an error event.</summary>
    public static StreamSummary Check(string sse, bool requireComplete = true)
    {
        var events = new List<string>();
        var blocks = new List<StreamBlock>();
        string? stopReason = null, errorType = null, errorMessage = null;
        JsonElement? usage = null, start = null;
        var open = -1;
        string? openKind = null, signature = null;
        var text = new System.Text.StringBuilder();
        var deltas = 0;
        string? toolId = null, toolName = null;
        bool sawDelta = false, sawStop = false;

        Assert.EndsWith("\n\n", sse);
        Assert.DoesNotContain('\r', sse);
        foreach (var lines in SseText.Frames(sse))
        {
            Assert.True(errorType is null, "nothing may follow an error event");
            Assert.False(sawStop, "nothing may follow message_stop");
            Assert.True(lines.Count == 2, $"a frame has an event line and a data line: {string.Join("\n", lines)}");
            Assert.StartsWith("event: ", lines[0]);
            Assert.StartsWith("data: ", lines[1]);
            var name = lines[0]["event: ".Length..];
            var data = JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement;
            Assert.Equal(name, data.GetProperty("type").GetString());
            events.Add(name);
            if (name == "ping")
                continue;
            if (name == "error")
            {
                errorType = data.GetProperty("error").GetProperty("type").GetString();
                errorMessage = data.GetProperty("error").GetProperty("message").GetString();
                continue;
            }
            if (start is null)
            {
                Assert.Equal("message_start", name);
                var message = data.GetProperty("message");
                Assert.Equal("message", message.GetProperty("type").GetString());
                Assert.Equal("assistant", message.GetProperty("role").GetString());
                Assert.Equal(0, message.GetProperty("content").GetArrayLength());
                Assert.Equal(JsonValueKind.Null, message.GetProperty("stop_reason").ValueKind);
                Assert.Equal(JsonValueKind.Null, message.GetProperty("stop_sequence").ValueKind);
                Assert.False(string.IsNullOrEmpty(message.GetProperty("id").GetString()));
                Assert.Equal(JsonValueKind.String, message.GetProperty("model").ValueKind);
                AssertUsage(message.GetProperty("usage"));
                start = message.Clone();
                continue;
            }
            switch (name)
            {
                case "message_start":
                    Assert.Fail("message_start sent twice");
                    break;
                case "content_block_start":
                {
                    Assert.True(open < 0, "a block started while another was open");
                    Assert.False(sawDelta, "content block after message_delta");
                    open = data.GetProperty("index").GetInt32();
                    Assert.Equal(blocks.Count, open);
                    var block = data.GetProperty("content_block");
                    openKind = block.GetProperty("type").GetString();
                    switch (openKind)
                    {
                        case "text":
                            Assert.Equal("", block.GetProperty("text").GetString());
                            break;
                        case "thinking":
                            Assert.Equal("", block.GetProperty("thinking").GetString());
                            break;
                        case "tool_use":
                            toolId = block.GetProperty("id").GetString();
                            toolName = block.GetProperty("name").GetString();
                            Assert.False(string.IsNullOrEmpty(toolId));
                            Assert.False(string.IsNullOrEmpty(toolName));
                            Assert.Equal("{}", block.GetProperty("input").GetRawText());
                            break;
                        default:
                            Assert.Fail($"unknown block type {openKind}");
                            break;
                    }
                    text.Clear();
                    deltas = 0;
                    signature = null;
                    break;
                }
                case "content_block_delta":
                {
                    Assert.Equal(open, data.GetProperty("index").GetInt32());
                    var delta = data.GetProperty("delta");
                    var type = delta.GetProperty("type").GetString();
                    var (field, kind) = type switch
                    {
                        "text_delta" => ("text", "text"),
                        "thinking_delta" => ("thinking", "thinking"),
                        "signature_delta" => ("signature", "thinking"),
                        "input_json_delta" => ("partial_json", "tool_use"),
                        _ => throw new Xunit.Sdk.XunitException($"unknown delta type {type}"),
                    };
                    Assert.True(kind == openKind, $"{type} inside a {openKind} block");
                    var value = delta.GetProperty(field).GetString()!;
                    Assert.True(value.Length > 0, $"empty {type}");
                    if (type == "signature_delta")
                    {
                        signature = value;
                    }
                    else
                    {
                        Assert.True(signature is null, "thinking_delta after signature_delta");
                        text.Append(value);
                        deltas++;
                    }
                    break;
                }
                case "content_block_stop":
                    Assert.Equal(open, data.GetProperty("index").GetInt32());
                    Assert.True(deltas > 0, $"empty {openKind} block {open}");
                    if (openKind == "thinking")
                        Assert.True(signature is not null, "thinking block stopped without a signature_delta");
                    blocks.Add(new StreamBlock(openKind!, text.ToString(), toolId, toolName, signature));
                    open = -1;
                    toolId = toolName = null;
                    break;
                case "message_delta":
                    Assert.True(open < 0, "message_delta while a block is open");
                    Assert.False(sawDelta, "message_delta sent twice");
                    sawDelta = true;
                    stopReason = data.GetProperty("delta").GetProperty("stop_reason").GetString();
                    Assert.Contains(stopReason!, s_stopReasons);
                    Assert.True(data.GetProperty("delta").TryGetProperty("stop_sequence", out _));
                    AssertUsage(data.GetProperty("usage"));
                    usage = data.GetProperty("usage").Clone();
                    break;
                case "message_stop":
                    Assert.True(sawDelta, "message_stop before message_delta");
                    sawStop = true;
                    break;
                default:
                    Assert.Fail($"unknown event {name}");
                    break;
            }
        }
        Assert.True(start is not null, "no message_start");
        if (requireComplete)
        {
            Assert.True(errorType is null, $"stream ended with an error: {errorMessage}");
            Assert.True(sawStop, "stream ended without message_stop");
        }
        return new StreamSummary(events, blocks, stopReason, usage, start, errorType, errorMessage);
    }

    private static void AssertUsage(JsonElement usage)
    {
        Assert.True(usage.GetProperty("input_tokens").GetInt32() >= 0);
        Assert.True(usage.GetProperty("output_tokens").GetInt32() >= 0);
        Assert.True(usage.GetProperty("cache_read_input_tokens").GetInt32() >= 0);
    }
}
