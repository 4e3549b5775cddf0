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
/// Parses Anthropic SSE output (frames read with the engine's reader, <see cref="SseText"/>) and asserts the stream
/// grammar (protocol notes, section 2). The order of events is checked by the one order checker,
/// <see cref="AnyClaude.Diagnostics.Checks.AnthropicGrammar"/>, which Test-AnyClaudeBackend's round trip also runs on a
/// live proxy. This checker adds what only the frames' JSON shows, which the diagnostics' client does not keep (it
/// keeps event names, text and tool calls): frames "event: T\ndata: {json}\n\n" with T == data.type, message_start's
/// fields, blocks numbered from 0 with at least one non-empty delta of their own kind (empty input_json_delta and a
/// thinking delta in a text block broke Claude Code in peer proxies, section 4), a thinking block's signature_delta
/// before its stop, known stop reasons, usage. Reusable by any test that reads the proxy's streaming output.
/// </summary>
public static class AnthropicSseGrammar
{
    private static readonly HashSet<string> s_stopReasons =
        ["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded"];

    /// <summary>Checks a complete stream. requireComplete: false accepts a stream that ends with an error event (or is cut).</summary>
    public static StreamSummary Check(string sse, bool requireComplete = true)
    {
        Assert.EndsWith("\n\n", sse);
        Assert.DoesNotContain('\r', sse);
        var frames = new List<(string Name, JsonElement Data)>();
        foreach (var lines in SseText.Frames(sse))
        {
            Assert.True(lines.Count == 2, $"a frame has an event line and a data line: {string.Join("\n", lines)}");
            Assert.StartsWith("event: ", lines[0]);
            Assert.StartsWith("data: ", lines[1]);
            var name = lines[0]["event: ".Length..];
            var data = JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement;
            Assert.Equal(name, data.GetProperty("type").GetString());
            frames.Add((name, data));
        }
        var events = frames.Select(f => f.Name).ToList();
        var error = frames.Where(f => f.Name == "error").Select(f => f.Data.GetProperty("error")).Cast<JsonElement?>().FirstOrDefault();
        string? errorType = error?.GetProperty("type").GetString(), errorMessage = error?.GetProperty("message").GetString();
        if (requireComplete) Assert.True(error is null, $"stream ended with an error: {errorMessage}");
        var problem = AnyClaude.Diagnostics.Checks.AnthropicGrammar.Problem(events, complete: requireComplete);
        Assert.True(problem is null, $"the event order is wrong: {problem} ({string.Join(", ", events)})");

        var blocks = new List<StreamBlock>();
        string? stopReason = null;
        JsonElement? usage = null, start = null;
        string? openKind = null, signature = null, toolId = null, toolName = null;
        var text = new System.Text.StringBuilder();
        var deltas = 0;
        foreach (var (name, data) in frames)
        {
            switch (name)
            {
                case "message_start":
                {
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
                    break;
                }
                case "content_block_start":
                {
                    Assert.Equal(blocks.Count, data.GetProperty("index").GetInt32());
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
                    Assert.Equal(blocks.Count, data.GetProperty("index").GetInt32());
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
                    Assert.Equal(blocks.Count, data.GetProperty("index").GetInt32());
                    Assert.True(deltas > 0, $"empty {openKind} block {blocks.Count}");
                    if (openKind == "thinking")
                        Assert.True(signature is not null, "thinking block stopped without a signature_delta");
                    blocks.Add(new StreamBlock(openKind!, text.ToString(), toolId, toolName, signature));
                    toolId = toolName = null;
                    break;
                case "message_delta":
                    stopReason = data.GetProperty("delta").GetProperty("stop_reason").GetString();
                    Assert.Contains(stopReason!, s_stopReasons);
                    Assert.True(data.GetProperty("delta").TryGetProperty("stop_sequence", out _));
                    AssertUsage(data.GetProperty("usage"));
                    usage = data.GetProperty("usage").Clone();
                    break;
            }
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
