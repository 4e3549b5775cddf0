using System.Net;
using System.Net.Sockets;
using AnyClaude.FakeBackend;
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
        await using var proxy = LmStudioProxy(deadUrl, "openai/gpt-oss-20b");
        using var sandbox = new ClaudeSandbox();

        // The bound: the run must end well inside a minute (Claude Code's own retries of a retryable answer take ~3).
        var result = await SayHelloAsync(version, proxy, sandbox, TimeSpan.FromSeconds(60), model: "openai/gpt-oss-20b");

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

    /// <summary>Issue 7, item 4: the prompt alone over the model's window must read to Claude Code as "prompt is too
    /// long" (it compacts), not as "input length and max_tokens exceed context limit" (it lowers max_tokens).</summary>
    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_prompt_over_the_window_is_recognised_as_prompt_too_long(string version)
    {
        // Claude Code's first request is well over 8k fake tokens: the proxy knows the window from /api/v0/models.
        await using var lmStudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = ProxyRig.LmStudioModel, ContextLength = 8192 });
        await using var proxy = LmStudioProxy(lmStudio.BaseUrl, ProxyRig.LmStudioModel);
        using var sandbox = new ClaudeSandbox();
        var result = await SayHelloAsync(version, proxy, sandbox, TimeSpan.FromSeconds(90), model: ProxyRig.LmStudioModel);
        var records = proxy.GetRecords().Where(r => r.Path == "/v1/messages").ToList();
        var describe = result.Describe() + "\n--- proxy records ---\n" +
            string.Join("\n", records.Select(r => $"  {r.Time:HH:mm:ss.fff} in={r.InputTokens} status={r.Status} error={r.Error}"));
        // Observed with both versions: Claude Code classifies it as prompt_too_long, reads our "N tokens > M" (it
        // reports the limit) and goes to its compaction logic, which declines a single-exchange conversation.
        Assert.False(result.TimedOut, describe);
        Assert.True(result.IsError, describe);
        var json = result.Json!.Value;
        Assert.True(json.TryGetProperty("terminal_reason", out var reason) && reason.GetString() == "prompt_too_long", describe);
        Assert.StartsWith("Prompt is too long", result.ResultText);
        Assert.Contains("(limit 8192)", result.ResultText);
        Assert.Single(records); // no retry with a lowered max_tokens, no retry loop
        Assert.Empty(lmStudio.ChatRequests); // refused before forwarding: the window was known
    }

    /// <summary>Issue 7, item 1, end to end: LMSTUDIO_MODEL=openai/gpt-oss-20b exported to every model role the way
    /// Start-AnyClaude does (ClaudeEnvironment) reaches LM Studio as that id, not the OpenAI-compatible mode.</summary>
    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_model_id_with_a_hub_namespace_reaches_LM_Studio_as_is(string version)
    {
        const string id = "openai/gpt-oss-20b";
        await using var lmStudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = id, ContextLength = 131072 });
        await using var proxy = LmStudioProxy(lmStudio.BaseUrl, id);
        using var sandbox = new ClaudeSandbox();
        var roles = new[] { "ANTHROPIC_MODEL", "ANTHROPIC_DEFAULT_OPUS_MODEL", "ANTHROPIC_DEFAULT_SONNET_MODEL", "ANTHROPIC_DEFAULT_HAIKU_MODEL", "CLAUDE_CODE_SUBAGENT_MODEL" };
        var result = await SayHelloAsync(version, proxy, sandbox, TimeSpan.FromSeconds(90), environment: roles.ToDictionary(r => r, _ => id));
        var records = proxy.GetRecords().Where(r => r.Path == "/v1/messages").ToList();
        var describe = result.Describe() + "\n--- proxy records ---\n" +
            string.Join("\n", records.Select(r => $"  {r.Mode} requested={r.RequestedModel} model={r.Model} status={r.Status} error={r.Error}"));
        Assert.False(result.IsError, describe);
        Assert.Contains("FAKE-LMSTUDIO", result.ResultText);
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Equal((BackendMode.LmStudio, id, id), (r.Mode, r.RequestedModel, r.Model)));
        Assert.All(lmStudio.ChatRequests, r => Assert.Contains($"\"model\":\"{id}\"", r.Body));
    }

    /// <summary>A proxy in LM Studio mode in front of <paramref name="baseUrl"/>.</summary>
    private static ProxyServer LmStudioProxy(string baseUrl, string model) => ProxyServer.Start(new ProxyOptions
    {
        Mode = BackendMode.LmStudio,
        Backends = new Dictionary<BackendMode, BackendSettings>
        {
            [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(baseUrl), Model = model },
        },
    });

    /// <summary>Claude Code -p "Say hello." through <paramref name="proxy"/>, ended after <paramref name="timeout"/>.</summary>
    private static Task<ClaudeRunResult> SayHelloAsync(string version, ProxyServer proxy, ClaudeSandbox sandbox, TimeSpan timeout,
        string? model = null, IReadOnlyDictionary<string, string>? environment = null) =>
        ClaudeCodeCli.RunAsync(new ClaudeRunOptions
        {
            Version = version,
            Prompt = "Say hello.",
            BaseUrl = proxy.BaseUrl,
            Token = proxy.Token,
            Sandbox = sandbox,
            Model = model,
            Timeout = timeout,
            ExtraEnvironment = environment ?? new Dictionary<string, string>(),
        });

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
