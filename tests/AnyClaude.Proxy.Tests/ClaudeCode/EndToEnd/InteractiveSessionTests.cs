using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Classification;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Tests.ClaudeCode.Cli;
using Xunit;
using Xunit.Abstractions;

namespace AnyClaude.Proxy.Tests.ClaudeCode.EndToEnd;

/// <summary>
/// The real interactive Claude Code TUI (not -p) in a pseudo-terminal (tmux), through the proxy, against a fake
/// LM Studio with one cache slot: three prompts and a Bash round trip. The backend's total prefill over the session
/// stays within 1.2x of the minimum (the last main prompt: a perfect cache prefills each token once), and every
/// request has the right kind. Claude Code gets the environment Start-AnyClaude gives it (ClaudeEnvironment).
/// </summary>
[Trait("Category", "ClaudeCode")]
public sealed class InteractiveSessionTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases() => new()
    {
        { "2.1.332", "AnswerLocally" },
        { "2.1.197", "AnswerLocally" },
        { "2.1.197", "Forward" },
    };

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Three_prompts_and_a_Bash_round_trip_in_the_TUI_stay_warm_on_a_one_slot_backend(string version, string policyName)
    {
        var ci = System.Environment.GetEnvironmentVariable("CI") == "true";
        if (!TmuxTerminal.Available())
        {
            Assert.False(ci, "tmux is missing; CI installs it (.ci/run)");
            Skip.If(true, "tmux is not installed: the interactive TUI needs a pseudo-terminal");
        }
        Assert.True(BackgroundPolicy.TryParse(policyName, out var policy));
        var exe = ClaudeCodeCli.Executable(version);

        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = ProxyRig.LmStudioModel, ContextLength = 131072 });
        await using var proxy = ProxyServer.Start(new ProxyOptions
        {
            Mode = BackendMode.LmStudio,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with
                {
                    BaseUrl = new Uri(fake.BaseUrl), Model = ProxyRig.LmStudioModel, BackgroundRequests = policy,
                },
            },
        });
        using var sandbox = new ClaudeSandbox();
        SeedConfig(sandbox);
        var marker = $"M{Guid.NewGuid():N}"[..12];

        using var tui = new TmuxTerminal(sandbox.WorkDirectory, ClaudeEnvironment(sandbox, proxy), exe, ["--allowedTools", "Bash"]);
        string Records() => string.Join("\n", proxy.GetRecords().Select(r =>
            $"  {r.Path} kind={r.Kind} model={r.RequestedModel} conv={r.ConversationId} status={r.Status} stop={r.StopReason} in={r.InputTokens} error={r.Error}"));
        string Diagnose() => $"--- screen ---\n{Safe(tui.Screen)}\n--- proxy records ---\n{Records()}";

        Assert.True(await WaitForInputAsync(tui), "the TUI never became ready for input\n" + Diagnose());

        var prompts = new[]
        {
            $"Say hello. {marker}",
            $"RUN: echo {marker}-$((6*7))",
            "Say goodbye.",
        };
        var turnsEnded = 0;
        foreach (var prompt in prompts)
        {
            tui.Type(prompt);
            turnsEnded++;
            var ended = turnsEnded;
            Assert.True(await tui.WaitAsync(() => MainTurnsEnded(proxy) >= ended, TimeSpan.FromMinutes(3)),
                $"prompt '{prompt}' got no finished main turn\n" + Diagnose());
            await Task.Delay(1500); // let side requests that follow a turn arrive
        }
        Assert.True(await tui.WaitAsync(() => tui.Screen().Contains($"{marker}-42", StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
            "the Bash output never showed\n" + Diagnose());
        tui.Type("/exit");
        await tui.WaitAsync(() => !tui.Alive(), TimeSpan.FromSeconds(10));

        var records = proxy.GetRecords().Where(r => r.Path.StartsWith("/v1/messages", StringComparison.Ordinal)).ToList();
        output.WriteLine($"Claude Code {version}, background policy {policy}:\n{Records()}");

        // Kinds: the main conversation (tools, the marker in its first message), Claude Code's small/fast role, counting.
        var messages = records.Where(r => r.Path == "/v1/messages").ToList();
        Assert.All(records.Where(r => r.Path.EndsWith("/count_tokens", StringComparison.Ordinal)), r => Assert.Equal(RequestKind.CountTokens, r.Kind));
        Assert.All(messages.Where(r => r.RequestedModel == RoleModelIds.Background), r => Assert.Equal(RequestKind.Background, r.Kind));
        var main = messages.Where(r => r.Kind == RequestKind.Main).ToList();
        Assert.True(main.Count >= 4, "three prompts and a tool result are at least four main turns\n" + Records());
        Assert.Single(main.Select(r => r.ConversationId).Distinct());
        Assert.All(messages.Where(r => r.RequestedModel != RoleModelIds.Background && r.Kind != RequestKind.Probe),
            r => Assert.Equal(RequestKind.Main, r.Kind));
        Assert.DoesNotContain(messages, r => r.Kind == RequestKind.SubAgent);

        // Prefill: what the one-slot backend processed against the minimum.
        var chats = fake.ChatRequests.Where(r => r.PromptTokens is not null).ToList();
        var total = chats.Sum(r => (long)(r.PromptTokens!.Value - (r.CachedTokens ?? 0)));
        var mainChats = chats.Where(r => ProxyRig.HasTools(r)).ToList();
        long minimum = mainChats[^1].PromptTokens!.Value;
        var ratio = (double)total / minimum;
        output.WriteLine($"backend requests {chats.Count} (main {mainChats.Count}), total prefill {total} tokens, minimum {minimum}, ratio {ratio:F2}");
        if (policy.Action == BackgroundAction.Forward && version == "2.1.197")
        {
            // The failure the issue reports: a title request before every prompt evicts the one cache slot.
            Assert.True(ratio > 1.2, $"expected the forwarded title requests to cost cold prefills (ratio {ratio:F2})\n{Records()}");
            return;
        }
        Assert.True(ratio <= 1.2, $"total prefill {total} is {ratio:F2}x the minimum {minimum}\n{Records()}");
    }

    internal static int MainTurnsEnded(ProxyServer proxy) =>
        proxy.GetRecords().Count(r => r.Kind == RequestKind.Main && r.Path == "/v1/messages" && r.StopReason == "end_turn");

    /// <summary>Presses Enter through first-run screens until the prompt box shows.</summary>
    internal static async Task<bool> WaitForInputAsync(TmuxTerminal tui)
    {
        for (var i = 0; i < 120; i++)
        {
            var screen = Safe(tui.Screen);
            // 2.1.197 shows "? for shortcuts" under the prompt box; 2.1.332 its permission mode ("shift+tab to cycle").
            if (screen.Contains("for shortcuts", StringComparison.Ordinal) || screen.Contains("shift+tab to cycle", StringComparison.Ordinal))
                return true;
            if (screen.Contains("Yes, I trust", StringComparison.OrdinalIgnoreCase) || screen.Contains("Press Enter", StringComparison.OrdinalIgnoreCase)
                || screen.Contains("Choose the text style", StringComparison.OrdinalIgnoreCase) || screen.Contains("Do you trust", StringComparison.OrdinalIgnoreCase))
                tui.Press("Enter");
            await Task.Delay(500);
        }
        return false;
    }

    internal static string Safe(Func<string> f)
    {
        try { return f(); }
        catch (InvalidOperationException e) { return $"(no screen: {e.Message})"; }
    }

    /// <summary>A finished first run and a trusted work folder, so no onboarding screen waits for keys.</summary>
    internal static void SeedConfig(ClaudeSandbox sandbox)
    {
        var config = new Dictionary<string, object>
        {
            ["hasCompletedOnboarding"] = true,
            ["theme"] = "dark",
            ["numStartups"] = 3,
            ["projects"] = new Dictionary<string, object>
            {
                [sandbox.WorkDirectory] = new Dictionary<string, object> { ["hasTrustDialogAccepted"] = true, ["hasCompletedProjectOnboarding"] = true },
            },
        };
        File.WriteAllText(Path.Combine(sandbox.ConfigDirectory, ".claude.json"), JsonSerializer.Serialize(config));
    }

    /// <summary>What Start-AnyClaude launches claude with (Cmdlets/Launch/ClaudeEnvironment), for a local mode.</summary>
    internal static Dictionary<string, string> ClaudeEnvironment(ClaudeSandbox sandbox, ProxyServer proxy) => new()
    {
        ["HOME"] = sandbox.HomeDirectory,
        ["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
        ["TERM"] = "xterm-256color",
        ["LANG"] = "C.UTF-8",
        ["CLAUDE_CONFIG_DIR"] = sandbox.ConfigDirectory,
        ["XDG_CONFIG_HOME"] = Path.Combine(sandbox.HomeDirectory, ".config"),
        ["DISABLE_AUTOUPDATER"] = "1",
        ["ANTHROPIC_BASE_URL"] = proxy.BaseUrl.ToString().TrimEnd('/'),
        ["ANTHROPIC_AUTH_TOKEN"] = proxy.Token,
        ["CLAUDE_CODE_ATTRIBUTION_HEADER"] = "0",
        ["CLAUDE_CODE_TOTAL_TOKENS_REMINDER"] = "off",
        ["API_TIMEOUT_MS"] = "600000",
        ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
        ["ANTHROPIC_MODEL"] = ProxyRig.LmStudioModel,
        ["ANTHROPIC_DEFAULT_OPUS_MODEL"] = ProxyRig.LmStudioModel,
        ["ANTHROPIC_DEFAULT_SONNET_MODEL"] = ProxyRig.LmStudioModel,
        ["ANTHROPIC_DEFAULT_HAIKU_MODEL"] = RoleModelIds.Background,
        ["ANTHROPIC_SMALL_FAST_MODEL"] = RoleModelIds.Background,
        ["CLAUDE_CODE_SUBAGENT_MODEL"] = RoleModelIds.SubAgent,
    };
}
