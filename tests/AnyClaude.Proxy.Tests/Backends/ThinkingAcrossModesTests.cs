using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Translation;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Backends;

/// <summary>
/// Issue 7, item 5: a conversation that goes local → Claude → local → Claude. Thinking a local model produced carries
/// a signature Anthropic never issued, and Anthropic rejects such a request ("Invalid `signature` in `thinking`
/// block"); Claude's own thinking must reach it again byte for byte.
/// </summary>
public sealed class ThinkingAcrossModesTests
{
    [Fact]
    public async Task Local_then_Claude_then_local_then_Claude_keeps_Anthropic_happy_and_Claudes_thinking_intact()
    {
        await using var lmStudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = "qwen/qwen3-8b" });
        lmStudio.Enqueue(ScriptedReply.WithReasoning("local plan one", "local answer one"));
        lmStudio.Enqueue(ScriptedReply.WithReasoning("local plan two", "local answer two"));
        await using var anthropic = new SigningAnthropic();
        await using var proxy = ProxyServer.Start(new ProxyOptions
        {
            Mode = BackendMode.LmStudio,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(lmStudio.BaseUrl), Model = "qwen/qwen3-8b" },
                [BackendMode.Claude] = BackendSettings.Default(BackendMode.Claude) with { BaseUrl = anthropic.BaseUrl, ApiKey = "sk-ant-test-0001" },
            },
        });
        using var client = Client(proxy);
        var messages = new JsonArray();

        async Task<JsonArray> TurnAsync(string prompt)
        {
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = prompt });
            var body = new JsonObject
            {
                ["model"] = "claude-sonnet-4-5",
                ["max_tokens"] = 2048,
                ["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = 1024 },
                ["messages"] = messages.DeepClone(),
            };
            var (status, reply) = await PostForJsonAsync(client, "/v1/messages", body.ToJsonString());
            Assert.True(status == 200, $"turn \"{prompt}\" in {proxy.Mode}: HTTP {status} {reply}");
            var content = (JsonArray)JsonNode.Parse(reply.GetProperty("content").GetRawText())!;
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = content.DeepClone() });
            return content;
        }

        var local1 = await TurnAsync("q1");
        Assert.Equal(ChatStreamTranslator.LocalThinkingSignature, local1[0]!["signature"]!.GetValue<string>());

        proxy.SetMode(BackendMode.Claude);
        var claude1 = await TurnAsync("q2");
        Assert.Equal("thinking", claude1[0]!["type"]!.GetValue<string>());

        proxy.SetMode(BackendMode.LmStudio);
        var local2 = await TurnAsync("q3");
        Assert.Equal("local answer two", local2.Last()!["text"]!.GetValue<string>());

        proxy.SetMode(BackendMode.Claude);
        await TurnAsync("q4");

        // What Anthropic received: never a foreign signature; Claude's own thinking block exactly as it issued it.
        Assert.Equal(2, anthropic.Accepted.Count);
        Assert.All(anthropic.Received, r => Assert.DoesNotContain(ChatStreamTranslator.LocalThinkingSignature, r));
        var last = JsonNode.Parse(anthropic.Received.Last())!["messages"]!.AsArray();
        var claudeTurn = last[3]!["content"]!.AsArray();
        Assert.Equal(claude1.ToJsonString(), claudeTurn.ToJsonString());
        // Local turns keep their text; a turn of nothing but local thinking would keep a marker instead.
        Assert.Equal("""[{"type":"text","text":"local answer one"}]""", last[1]!["content"]!.ToJsonString());
        // LM Studio saw the whole conversation, Claude's turn included.
        Assert.Contains("Claude answer 1", lmStudio.ChatRequests[^1].Body);
    }

    /// <summary>
    /// A stand-in for api.anthropic.com that signs the thinking it produces (HMAC over the thinking text) and, like
    /// the real API, rejects a request whose thinking blocks carry a signature it did not issue, with the message
    /// Claude Code matches ("Invalid `signature` in `thinking` block").
    /// </summary>
    private sealed class SigningAnthropic : IAsyncDisposable
    {
        private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public SigningAnthropic()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUrl = new Uri($"http://127.0.0.1:{port}");
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public Uri BaseUrl { get; }
        public List<string> Received { get; } = [];
        public List<string> Accepted { get; } = [];

        private string Sign(string thinking) => Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(thinking)));

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception) { return; }
                using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                lock (Received) Received.Add(body);
                var (status, reply) = Answer(body);
                if (status == 200) lock (Accepted) Accepted.Add(body);
                var bytes = Encoding.UTF8.GetBytes(reply);
                ctx.Response.StatusCode = status;
                ctx.Response.ContentType = "application/json";
                ctx.Response.ContentLength64 = bytes.Length;
                await ctx.Response.OutputStream.WriteAsync(bytes);
                ctx.Response.Close();
            }
        }

        private (int, string) Answer(string body)
        {
            using var doc = JsonDocument.Parse(body);
            var messages = doc.RootElement.GetProperty("messages");
            for (var m = 0; m < messages.GetArrayLength(); m++)
            {
                var message = messages[m];
                if (message.GetProperty("role").GetString() != "assistant" || message.GetProperty("content").ValueKind != JsonValueKind.Array) continue;
                var content = message.GetProperty("content");
                if (content.GetArrayLength() == 0)
                    return (400, Error($"messages.{m}: all messages must have non-empty content"));
                for (var b = 0; b < content.GetArrayLength(); b++)
                {
                    var block = content[b];
                    if (block.GetProperty("type").GetString() != "thinking") continue;
                    var signature = block.TryGetProperty("signature", out var s) ? s.GetString() : null;
                    if (signature != Sign(block.GetProperty("thinking").GetString() ?? ""))
                        return (400, Error($"messages.{m}.content.{b}: Invalid `signature` in `thinking` block"));
                }
            }
            var n = Accepted.Count + 1;
            var thinking = $"Claude thought {n}";
            var reply = new JsonObject
            {
                ["id"] = $"msg_{n}",
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = doc.RootElement.GetProperty("model").GetString(),
                ["content"] = new JsonArray(
                    new JsonObject { ["type"] = "thinking", ["thinking"] = thinking, ["signature"] = Sign(thinking) },
                    new JsonObject { ["type"] = "text", ["text"] = $"Claude answer {n}" }),
                ["stop_reason"] = "end_turn",
                ["stop_sequence"] = null,
                ["usage"] = new JsonObject { ["input_tokens"] = 10, ["output_tokens"] = 5 },
            };
            return (200, reply.ToJsonString());
        }

        private static string Error(string message) =>
            new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = "invalid_request_error", ["message"] = message } }.ToJsonString();

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _loop;
        }
    }
}
