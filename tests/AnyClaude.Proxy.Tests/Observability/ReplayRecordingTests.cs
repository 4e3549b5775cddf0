using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Classification;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Observability;

/// <summary>TraceLevel.Replay: each /v1/messages line carries Claude Code's own request, before translation, with
/// secrets masked — what Measure-AnyClaudeCache -Replay sends again.</summary>
public sealed class ReplayRecordingTests
{
    private const string BackendKey = "sk-backend-secret-4711";

    private static string AnthropicTurn(string token) => """
        {"model":"claude-sonnet-4-5","max_tokens":2048,"stream":true,
         "system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
         "tools":[{"name":"Bash","description":"Runs a command","input_schema":{"type":"object","properties":{"command":{"type":"string"}}}}],
         "metadata":{"user_id":"u1","api_key":"sk-ant-in-a-field-0042"},
         "messages":[{"role":"user","content":[{"type":"text","text":"my proxy token is TOKEN and the key KEY"}]}]}
        """.Replace("TOKEN", token).Replace("KEY", BackendKey);

    [Theory]
    [InlineData(TraceLevel.Replay)]
    [InlineData(TraceLevel.Debug)]
    public async Task The_trace_records_the_original_anthropic_request_with_kind_and_secrets_masked(TraceLevel level)
    {
        var trace = Path.Combine(Path.GetTempPath(), $"anyclaude-replay-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
            var proxy = StartProxy(fake, tweak: o => o with { TracePath = trace, TraceLevel = level },
                backend: b => b with { ApiKey = BackendKey });
            var token = proxy.Token;
            using (var client = Client(proxy))
            {
                // The proxy token travels in x-api-key (Client sets it): headers are never written.
                client.DefaultRequestHeaders.Add("X-Claude-Code-Session-Id", "session-r");
                using (var r = await PostMessagesAsync(client, AnthropicTurn(token))) await r.Content.ReadAsStringAsync();
                using (var r = await PostMessagesAsync(client, Body(true, "Generate a concise, sentence-case title", model: RoleModelIds.Background)))
                    await r.Content.ReadAsStringAsync();
            }
            await proxy.StopAsync(); // flushes the trace

            var all = File.ReadAllText(trace);
            Assert.DoesNotContain(token, all);
            Assert.DoesNotContain(BackendKey, all);
            Assert.DoesNotContain("sk-ant-in-a-field-0042", all);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(trace));

            var lines = File.ReadAllLines(trace).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
            Assert.Equal(2, lines.Length);
            var main = lines[0];
            Assert.Equal("Main", main.GetProperty("kind").GetString());
            Assert.Equal("LmStudio", main.GetProperty("mode").GetString());
            Assert.Equal("claude-sonnet-4-5", main.GetProperty("requestedModel").GetString());
            Assert.True(main.TryGetProperty("time", out _));
            Assert.True(main.GetProperty("inputTokens").GetInt32() > 0);
            Assert.True(main.TryGetProperty("timeToFirstTokenMs", out _));

            // The body as Claude Code sent it: Anthropic shape (system blocks, input_schema, cache_control), not the
            // OpenAI chat body the backend got.
            var original = main.GetProperty(RecordJson.ClientRequestProperty);
            Assert.Equal(JsonValueKind.Object, original.ValueKind);
            Assert.Equal("claude-sonnet-4-5", original.GetProperty("model").GetString());
            Assert.Equal(2048, original.GetProperty("max_tokens").GetInt32());
            Assert.True(original.GetProperty("stream").GetBoolean());
            Assert.Equal("ephemeral", original.GetProperty("system")[0].GetProperty("cache_control").GetProperty("type").GetString());
            Assert.True(original.GetProperty("tools")[0].TryGetProperty("input_schema", out _));
            Assert.Equal("[REDACTED]", original.GetProperty("metadata").GetProperty("api_key").GetString());
            Assert.Equal("my proxy token is [REDACTED] and the key [REDACTED]",
                original.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("text").GetString());

            var background = lines[1];
            Assert.Equal("Background", background.GetProperty("kind").GetString());
            Assert.Equal(RoleModelIds.Background, background.GetProperty(RecordJson.ClientRequestProperty).GetProperty("model").GetString());

            // Replay records only what a replay needs; Debug keeps its translated request and the response as well.
            Assert.Equal(level == TraceLevel.Debug, main.TryGetProperty("requestBody", out _));
            Assert.Equal(level == TraceLevel.Debug, main.TryGetProperty("responseBody", out _));
        }
        finally
        {
            File.Delete(trace);
        }
    }
}
