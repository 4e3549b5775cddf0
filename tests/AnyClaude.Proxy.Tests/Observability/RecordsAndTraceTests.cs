using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Observability;

public sealed class RecordsAndTraceTests
{
    [Fact]
    public void History_keeps_the_newest_records_oldest_first()
    {
        var history = new RecordHistory(3);
        for (var i = 0; i < 5; i++)
            history.Add(new RequestRecord { Id = $"r{i}", Time = DateTimeOffset.UnixEpoch, Path = "/v1/messages" });
        Assert.Equal(["r2", "r3", "r4"], history.Snapshot().Select(r => r.Id));
    }

    [Fact]
    public async Task The_proxy_history_is_bounded_by_HistorySize()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var proxy = StartProxy(fake, tweak: o => o with { HistorySize = 2 });
        using var client = Client(proxy);
        for (var i = 0; i < 3; i++)
            using (var r = await client.PostAsync("/v1/messages/count_tokens", Json(Body(false, $"n{i}")))) Assert.Equal(200, (int)r.StatusCode);
        await EventuallyAsync(() => proxy.GetRecords().Count == 2 && proxy.GetRecords()[1].InputTokens > 0, "two records");
        Assert.Equal(2, proxy.GetRecords().Count);
    }

    [Fact]
    public async Task Trace_file_gets_one_json_line_per_request_with_redacted_bodies_at_debug()
    {
        var trace = Path.Combine(Path.GetTempPath(), $"anyclaude-trace-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
            fake.Enqueue(ScriptedReply.WithText("traced answer"), ScriptedReply.WithText("second"));
            var proxy = StartProxy(fake, tweak: o => o with { TracePath = trace, TraceLevel = TraceLevel.Debug },
                backend: b => b with { ApiKey = "sk-backend-secret-123" });
            using (var client = Client(proxy))
            {
                // The token even appears in the prompt: it must not reach the file.
                using var r1 = await PostMessagesAsync(client, Body(true, $"my token is {proxy.Token}"));
                await r1.Content.ReadAsStringAsync();
                using var r2 = await PostMessagesAsync(client, Body(false));
                await r2.Content.ReadAsStringAsync();
            }
            var token = proxy.Token;
            await proxy.StopAsync(); // flushes the trace writer
            var lines = File.ReadAllLines(trace);
            Assert.Equal(2, lines.Length);
            var first = JsonDocument.Parse(lines[0]).RootElement;
            Assert.Equal("/v1/messages", first.GetProperty("path").GetString());
            Assert.Equal("LmStudio", first.GetProperty("mode").GetString());
            var response = first.GetProperty("responseBody").GetString()!;
            Assert.Contains("event: message_stop", response);
            Assert.Equal("traced answer", Hosting.ProxyTestKit.TextOf(Hosting.ProxyTestKit.Events(response)));
            Assert.Contains("[REDACTED]", first.GetProperty("requestBody").GetString());
            var all = File.ReadAllText(trace);
            Assert.DoesNotContain(token, all);
            Assert.DoesNotContain("sk-backend-secret-123", all);
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public async Task Basic_trace_level_writes_records_without_bodies()
    {
        var trace = Path.Combine(Path.GetTempPath(), $"anyclaude-trace-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
            var proxy = StartProxy(fake, tweak: o => o with { TracePath = trace });
            using (var client = Client(proxy))
            using (var r = await PostMessagesAsync(client, Body(false))) Assert.Equal(200, (int)r.StatusCode);
            await proxy.StopAsync();
            var line = JsonDocument.Parse(File.ReadAllLines(trace).Single()).RootElement;
            Assert.Equal(200, line.GetProperty("status").GetInt32());
            Assert.False(line.TryGetProperty("requestBody", out _));
            Assert.False(line.TryGetProperty(RecordJson.ClientRequestProperty, out _)); // Claude Code's own request: Replay and Debug only
            Assert.False(line.TryGetProperty("responseBody", out _));
        }
        finally
        {
            File.Delete(trace);
        }
    }
}
