using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Tests.ClaudeCode.Cli;
using Xunit;
using Xunit.Abstractions;
using static AnyClaude.Proxy.Tests.ClaudeCode.EndToEnd.InteractiveSessionTests;

namespace AnyClaude.Proxy.Tests.ClaudeCode.EndToEnd;

/// <summary>
/// /model in the real interactive TUI (tmux), through a proxy started with prewarm on (Start-AnyClaude -Prewarm):
/// Claude Code checks the typed model with a one-token probe before the user confirms the switch; the proxy then
/// prewarms the mode that model names with the main conversation, so the first turn there is served from the cache.
/// </summary>
[Trait("Category", "ClaudeCode")]
public sealed class ModelSwitchPrewarmTests(ITestOutputHelper output)
{
    private const string MlxModel = "mlx-community/fake-coder";

    [SkippableTheory]
    [InlineData("2.1.332")]
    [InlineData("2.1.197")]
    public async Task Model_switch_to_another_mode_in_the_TUI_prewarms_it_and_the_next_turn_there_comes_from_the_cache(string version)
    {
        var ci = System.Environment.GetEnvironmentVariable("CI") == "true";
        if (!TmuxTerminal.Available())
        {
            Assert.False(ci, "tmux is missing; CI installs it (.ci/run)");
            Skip.If(true, "tmux is not installed: the interactive TUI needs a pseudo-terminal");
        }
        var exe = ClaudeCodeCli.Executable(version);

        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = ProxyRig.LmStudioModel, ContextLength = 131072 });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = MlxModel });
        await using var proxy = ProxyServer.Start(new ProxyOptions
        {
            Mode = BackendMode.LmStudio,
            Prewarm = true,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(lmstudio.BaseUrl), Model = ProxyRig.LmStudioModel },
                [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { BaseUrl = new Uri(mlx.BaseUrl), Model = MlxModel },
            },
        });
        using var sandbox = new ClaudeSandbox();
        SeedConfig(sandbox);
        using var tui = new TmuxTerminal(sandbox.WorkDirectory, ClaudeEnvironment(sandbox, proxy), exe, []);
        string Records() => string.Join("\n", proxy.GetRecords().Select(r =>
            $"  {r.Path} kind={r.Kind} mode={r.Mode} model={r.RequestedModel} status={r.Status} stop={r.StopReason} in={r.InputTokens} error={r.Error}"));
        string Diagnose() => $"--- screen ---\n{Safe(tui.Screen)}\n--- proxy records ---\n{Records()}";

        Assert.True(await WaitForInputAsync(tui), "the TUI never became ready for input\n" + Diagnose());
        tui.Type("Say hello.");
        Assert.True(await tui.WaitAsync(() => MainTurnsEnded(proxy) >= 1, TimeSpan.FromMinutes(3)), "the first prompt got no finished main turn\n" + Diagnose());
        await Task.Delay(1000);

        tui.Type("/model mlx-lm");
        Assert.True(await tui.WaitAsync(() => proxy.GetRecords().Any(r => r.Kind == RequestKind.Probe && r.RequestedModel == "mlx-lm"), TimeSpan.FromSeconds(30)),
            "/model sent no probe naming the model\n" + Diagnose());
        // Both versions ask to confirm a switch away from a cached conversation.
        if (await tui.WaitAsync(() => Safe(tui.Screen).Contains("Switch model?", StringComparison.Ordinal), TimeSpan.FromSeconds(10)))
        {
            tui.Press("Enter");
            await tui.WaitAsync(() => !Safe(tui.Screen).Contains("Switch model?", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        }
        await Task.Delay(1500); // the TUI redraws after the switch; text typed meanwhile can be lost
        Assert.True(await tui.WaitAsync(() => proxy.GetRecords().Any(r => r.Kind == RequestKind.Prewarm), TimeSpan.FromSeconds(30)),
            "the /model probe started no prewarm\n" + Diagnose());
        var prewarm = proxy.GetRecords().Single(r => r.Kind == RequestKind.Prewarm);
        Assert.Equal(BackendMode.MlxLm, prewarm.Mode);
        Assert.Null(prewarm.Error);

        bool EndedOnMlx() => proxy.GetRecords().Any(r => r.Kind == RequestKind.Main && r.Mode == BackendMode.MlxLm && r.StopReason == "end_turn");
        // 2.1.332 may drop text typed while it redraws after /model: type again if nothing was sent.
        for (var attempt = 0; attempt < 3 && !EndedOnMlx(); attempt++)
        {
            tui.Type("Say goodbye.");
            await tui.WaitAsync(EndedOnMlx, TimeSpan.FromSeconds(40));
        }
        Assert.True(EndedOnMlx(), "no main turn reached MLX-LM after /model\n" + Diagnose());
        tui.Type("/exit");
        await tui.WaitAsync(() => !tui.Alive(), TimeSpan.FromSeconds(10));
        output.WriteLine($"Claude Code {version}:\n{Records()}");

        // The first main turn on MLX-LM: everything up to the conversation the prewarm sent came from the cache.
        var turn = mlx.ChatRequests.Last(r => r.PromptTokens > 64 && r.BodyJson().RootElement.GetProperty("max_tokens").GetInt32() > 1);
        var reuse = (double)turn.CachedTokens!.Value / turn.PromptTokens!.Value;
        output.WriteLine($"first turn on MLX-LM after /model: {turn.CachedTokens}/{turn.PromptTokens} cached ({reuse:P0})");
        Assert.True(reuse >= 0.9, $"the first turn after /model reused {reuse:P0} of its prompt ({turn.CachedTokens}/{turn.PromptTokens})\n{Records()}");
        Assert.Equal(1, mlx.MaxConcurrentChatRequests);
    }
}
