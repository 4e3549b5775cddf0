using AnyClaude.Diagnostics.Benchmark;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Tests.ClaudeCode.Cli;
using Xunit;

namespace AnyClaude.Proxy.Tests.ClaudeCode.EndToEnd;

/// <summary>Measure-AnyClaudeCache -Replay's input is a real session: the real Claude Code CLI records one through the
/// proxy at TraceLevel.Replay (a Bash round trip), and the recording replays against LM Studio and MLX-LM. The trace
/// holds Anthropic's prompt text, so it lives in a temp file and is never committed.</summary>
[Trait("Category", "ClaudeCode")]
public sealed class ReplayRealSessionTests : IDisposable
{
    private readonly string _trace = Path.Combine(Path.GetTempPath(), $"anyclaude-replay-{Guid.NewGuid():N}.jsonl");

    public static TheoryData<string> Versions() => new(ClaudeCodeCli.PinnedVersions);

    public void Dispose() => File.Delete(_trace);

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_session_recorded_from_the_real_CLI_replays_against_both_backends(string version)
    {
        string token;
        var marker = "replay" + Guid.NewGuid().ToString("N")[..10];
        await using (var rig = ProxyRig.Start(BackendMode.LmStudio, o => o with { TracePath = _trace, TraceLevel = TraceLevel.Replay }))
        {
            token = rig.Proxy.Token;
            await rig.RunClaudeAsync(version, $"RUN: echo {marker}-$((6*7))");
        } // stopping the proxy flushes the trace

        var recorded = ReplayTrace.Read(_trace);
        var main = recorded.Where(r => r.Kind == RequestKind.Main).ToList();
        Assert.True(main.Count >= 2, $"a Bash round trip is two main turns at least; recorded: {string.Join(", ", recorded.Select(r => r.Kind))}");
        Assert.Contains(main, r => r.Body.ToJsonString().Contains("tool_result", StringComparison.Ordinal));
        Assert.DoesNotContain(token, File.ReadAllText(_trace));

        await using var lmStudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = ProxyRig.LmStudioModel, ContextLength = 131072, ReportCachedTokens = true });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = ProxyRig.MlxModel });
        var results = new List<ReplayRequestResult>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await foreach (var r in ReplayRunner.RunAsync(new ReplayOptions
        {
            Requests = recorded,
            Modes = [BackendMode.LmStudio, BackendMode.MlxLm],
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(lmStudio.BaseUrl), Model = ProxyRig.LmStudioModel },
                [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { BaseUrl = new Uri(mlx.BaseUrl), Model = ProxyRig.MlxModel },
            },
        }, null, timeout.Token)) results.Add(r);

        Assert.Equal(recorded.Count * 2, results.Count);
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.Equal(recorded.Select(r => r.Kind), results.Where(r => r.Mode == BackendMode.LmStudio).Select(r => r.Kind));
        foreach (var mode in new[] { BackendMode.LmStudio, BackendMode.MlxLm })
        {
            var summary = ReplaySummary.From(results.Where(r => r.Mode == mode).ToList());
            Assert.True(summary.MinimumPrefillTokens > 1000, summary.Line); // Claude Code's system prompt and tools
            // (The total may dip under that minimum: a side request with the same system prompt can warm the cache first.)
            Assert.True(summary.TotalPrefillTokens > 0, summary.Line);
            // The main conversation extends itself turn by turn: MLX-LM's prefix cache serves the round trip. (LM Studio's
            // one slot may lose it to a forwarded side request, which is what the replay is there to show.)
            if (mode == BackendMode.MlxLm) Assert.True(summary.PrefillRatio < 1.5, summary.Line);
        }
    }
}
