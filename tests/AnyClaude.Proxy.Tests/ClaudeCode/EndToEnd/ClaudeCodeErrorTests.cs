using System.Net;
using System.Net.Sockets;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Tests.ClaudeCode.Cli;
using Xunit;

namespace AnyClaude.Proxy.Tests.ClaudeCode.EndToEnd;

/// <summary>
/// What the real Claude Code CLI shows when a backend fails in a way no retry can fix (issue 7, item 2): the proxy's
/// message, at once, after one request, not after ten retries and three minutes.
/// </summary>
[Trait("Category", "ClaudeCode")]
public sealed class ClaudeCodeErrorTests
{
    public static TheoryData<string> Versions() => new(ClaudeCodeCli.ErrorHandlingVersions);

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_dead_backend_is_reported_after_one_request(string version)
    {
        var deadUrl = $"http://127.0.0.1:{ClosedPort()}/v1";
        await using var proxy = ProxyServer.Start(new ProxyOptions
        {
            Mode = BackendMode.LmStudio,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(deadUrl), Model = "openai/gpt-oss-20b" },
            },
        });
        using var sandbox = new ClaudeSandbox();

        // The bound: the run must end well inside a minute (Claude Code's own retries of a retryable answer take ~3).
        var result = await ClaudeCodeCli.RunAsync(new ClaudeRunOptions
        {
            Version = version,
            Prompt = "Say hello.",
            BaseUrl = proxy.BaseUrl,
            Token = proxy.Token,
            Sandbox = sandbox,
            Model = "openai/gpt-oss-20b",
            Timeout = TimeSpan.FromSeconds(60),
        });

        var records = proxy.GetRecords().Where(r => r.Path == "/v1/messages").ToList();
        var describe = result.Describe() + "\n--- proxy records ---\n" +
            string.Join("\n", records.Select(r => $"  {r.Time:HH:mm:ss.fff} {r.Mode} stream={r.Stream} status={r.Status} error={r.Error}"));
        Assert.False(result.TimedOut, "Claude Code kept retrying a dead backend.\n" + describe);
        Assert.True(result.IsError, describe);
        // The proxy's own message, naming the mode, the URL and the fix.
        Assert.Contains("LM Studio is not reachable at " + deadUrl, result.ResultText);
        Assert.Contains("lms server start", result.ResultText);
        Assert.Single(records);
        Assert.All(records, r => Assert.Equal(BackendMode.LmStudio, r.Mode));
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
