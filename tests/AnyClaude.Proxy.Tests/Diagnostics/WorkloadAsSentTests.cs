using System.Text.Json;
using AnyClaude.Diagnostics.Http;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Tokens;
using Xunit;

namespace AnyClaude.Proxy.Tests.Diagnostics;

/// <summary>From the review of issue 12: the workload sizes its tools on JSON.stringify-style JSON, and the diagnostics'
/// clients sent the default encoder's JSON (' &lt; &gt; as \u0027 \u003C \u003E), which the proxy counted ~70 % bigger
/// (prompt-too-long answers for windows the real prompt fits). The clients' body is what the workload was sized on.</summary>
public sealed class WorkloadAsSentTests
{
    [Fact]
    public async Task The_tools_as_the_diagnostics_send_them_count_what_the_workload_says()
    {
        var w = ClaudeCodeWorkload.ClaudeCodeSized();
        var body = new System.Text.Json.Nodes.JsonObject { ["tools"] = w.AnthropicTools() };

        var sent = await DiagnosticHttp.Json(body).ReadAsStringAsync();

        using var doc = JsonDocument.Parse(sent);
        // The proxy counts each tool's raw JSON as it arrived.
        var proxyCount = doc.RootElement.GetProperty("tools").EnumerateArray().Sum(t => TokenCounter.CountOnce(t.GetRawText()));
        Assert.InRange(proxyCount, w.ToolTokens * 0.95, w.ToolTokens * 1.05);
        Assert.DoesNotContain("\\u0027", sent);
    }
}
