using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Anthropic;
using Anthropic.Core;
using Anthropic.Models.Messages;
using Xunit;
using static AnyClaude.Proxy.Tests.Translation.StreamTestKit;

namespace AnyClaude.Proxy.Tests.Translation;

/// <summary>The official Anthropic C# SDK reads what the translators write, streaming and non-streaming, through
/// its typed models. (The SDK's strict Validate() also demands fields only Anthropic's own servers produce, such
/// as tool_use "caller" and usage "service_tier"; Claude Code does not need them, so they are not invented.)</summary>
public class AnthropicSdkCompatibilityTests
{
    private sealed class CannedHandler(byte[] body, string contentType) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
        }
    }

    private static AnthropicClient Client(byte[] body, string contentType) => new(new ClientOptions
    {
        ApiKey = "test-key-not-secret",
        BaseUrl = "http://127.0.0.1:9",
        HttpClient = new HttpClient(new CannedHandler(body, contentType)),
        MaxRetries = 0,
    });

    private static MessageCreateParams Params => new()
    {
        MaxTokens = 1024,
        Messages = [new UserMessageParam("hi")],
        Model = "claude-sonnet-4-5",
    };

    private static readonly string[] s_chunks =
    [
        Role(), Reasoning("Plan: read the file."), Text("Reading it."),
        ToolFragment(0, "call_1", "Read", "{\"file_path\":"), ToolFragment(0, null, null, "\"a.txt\"}"),
        Finish("tool_calls"), Usage(1000, 12, cached: 800),
    ];

    [Fact]
    public async Task Sdk_reads_the_translated_stream()
    {
        var (sse, _) = RunSse(s_chunks);
        var client = Client(Encoding.UTF8.GetBytes(sse), "text/event-stream");
        var kinds = new List<string>();
        var json = new StringBuilder();
        string? stopReason = null;
        await foreach (var e in client.Messages.CreateStreaming(Params))
        {
            if (e.TryPickStart(out var start)) kinds.Add("start:" + start.Message.ID);
            if (e.TryPickContentBlockStart(out var blockStart)) kinds.Add("block");
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var partial)) json.Append(partial.PartialJson);
            if (e.TryPickDelta(out var messageDelta)) stopReason = messageDelta.Delta.StopReason?.ToString();
            if (e.TryPickStop(out _)) kinds.Add("stop");
        }
        Assert.Equal(["start:msg_01test", "block", "block", "block", "stop"], kinds);
        Assert.Equal("""{"file_path":"a.txt"}""", json.ToString());
        Assert.Contains("tool_use", stopReason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Sdk_reads_the_aggregated_message()
    {
        var message = RunAggregated(s_chunks);
        var client = Client(Encoding.UTF8.GetBytes(message.GetRawText()), "application/json");
        var result = await client.Messages.Create(Params);
        Assert.Equal(3, result.Content.Count);
        Assert.True(result.Content[0].TryPickThinking(out var thinking));
        Assert.Equal("Plan: read the file.", thinking.Thinking);
        Assert.True(result.Content[1].TryPickText(out var text));
        Assert.Equal("Reading it.", text.Text);
        Assert.True(result.Content[2].TryPickToolUse(out var tool));
        Assert.Equal("Read", tool.Name);
        Assert.Equal("a.txt", tool.Input["file_path"].GetString());
        Assert.Equal(800, result.Usage.CacheReadInputTokens);
        Assert.Equal(200, result.Usage.InputTokens);
    }
}
