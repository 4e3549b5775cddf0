using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Tests.ClaudeCode.Cli;
using AnyClaude.Proxy.Tests.ClaudeCode.Stability;
using Xunit;

namespace AnyClaude.Proxy.Tests.ClaudeCode.EndToEnd;

/// <summary>The real Claude Code CLI (both pinned versions) through ProxyServer to the fake backends.</summary>
[Trait("Category", "ClaudeCode")]
public sealed class ClaudeCodeEndToEndTests
{
    public static TheoryData<string> Versions() => new(ClaudeCodeCli.PinnedVersions);

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Plain_answer_through_LM_Studio(string version)
    {
        await using var rig = ProxyRig.Start(BackendMode.LmStudio);
        var marker = Marker();

        var result = await rig.RunClaudeAsync(version, $"Say hello. {marker}");

        Assert.Contains("FAKE-LMSTUDIO", result.ResultText);
        var main = ProxyRig.MainTurns(rig.LmStudio.ChatRequests, marker);
        Assert.NotEmpty(main);
        Assert.All(main, r => Assert.Equal(200, r.Status));
        Assert.All(main, r => Assert.True(HasTools(r), "LM Studio mode sends Claude Code's tools"));
        // 2.1.x sends the volatile attribution line by default; it must never reach a local backend.
        Assert.All(rig.LmStudio.ChatRequests, r => Assert.DoesNotContain("x-anthropic-billing-header", r.Body));
        Assert.Empty(rig.Mlx.ChatRequests);
        var records = rig.Proxy.GetRecords().Where(r => r.Path.StartsWith("/v1/messages", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Equal(BackendMode.LmStudio, r.Mode));
        if (version.StartsWith("2.1.", StringComparison.Ordinal))
            Assert.All(records, r => Assert.Equal(result.SessionId, r.SessionId)); // X-Claude-Code-Session-Id
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Plain_answer_through_MLX_LM_sends_no_tools(string version)
    {
        await using var rig = ProxyRig.Start(BackendMode.MlxLm);
        var marker = Marker();

        var result = await rig.RunClaudeAsync(version, $"Say hello. {marker}");

        Assert.Contains("FAKE-MLX-LM", result.ResultText);
        Assert.NotEmpty(ProxyRig.MainTurns(rig.Mlx.ChatRequests, marker));
        // Analysis-only: not one request (main or side) carries tool definitions or a Claude model name.
        Assert.All(rig.Mlx.ChatRequests, r =>
        {
            Assert.False(HasTools(r), "MlxLm (ToolCalls Off) must not send tools:\n" + r.Body[..Math.Min(300, r.Body.Length)]);
            Assert.DoesNotContain("\"model\":\"claude", r.Body);
        });
        Assert.Empty(rig.LmStudio.ChatRequests);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Bash_round_trip_through_LM_Studio_runs_the_command(string version)
    {
        await using var rig = ProxyRig.Start(BackendMode.LmStudio);
        var marker = Marker();
        // The shell computes 6*7: the output "<marker>-42" never appears in the command text itself, so finding
        // it in a tool message proves Claude Code really ran Bash and sent its output back through the proxy.
        var result = await rig.RunClaudeAsync(version, $"RUN: echo {marker}-$((6*7))");

        var toolMessages = rig.LmStudio.ChatRequests.SelectMany(ToolMessageContents).ToList();
        Assert.True(toolMessages.Any(c => c.Contains($"{marker}-42", StringComparison.Ordinal)),
            "no tool message carried the command's output.\n" + string.Join("\n", toolMessages) + "\n" + rig.Describe(result));
        Assert.Contains("Tool result received", result.ResultText);
        Assert.Contains($"{marker}-42", result.ResultText);

        AssertPrefixExtensions(ProxyRig.MainTurns(rig.LmStudio.ChatRequests, marker, withTools: true), minTurns: 2);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Continued_MLX_LM_session_extends_the_prompt_and_hits_the_cache(string version)
    {
        await using var rig = ProxyRig.Start(BackendMode.MlxLm);
        var marker = Marker();

        await rig.RunClaudeAsync(version, $"First question. {marker}");
        await rig.RunClaudeAsync(version, "Second question.", continueSession: true);

        var main = ProxyRig.MainTurns(rig.Mlx.ChatRequests, marker);
        AssertPrefixExtensions(main, minTurns: 2);
        // The fake mlx server reports cached_tokens from its prefix cache, as mlx_lm.server ≥ 0.31 does.
        Assert.True(main[^1].CachedTokens > 0, $"the follow-up was not served from the prompt cache (cached {main[^1].CachedTokens} of {main[^1].PromptTokens})");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Mode_switch_between_runs_moves_the_conversation_to_the_other_backend(string version)
    {
        await using var rig = ProxyRig.Start(BackendMode.LmStudio);
        var marker = Marker();

        var first = await rig.RunClaudeAsync(version, $"Analyse this. {marker}");
        Assert.Contains("FAKE-LMSTUDIO", first.ResultText);
        Assert.Empty(rig.Mlx.ChatRequests);

        rig.Proxy.SetMode(BackendMode.MlxLm);
        var followUp = Marker();
        var second = await rig.RunClaudeAsync(version, $"Continue the analysis. {followUp}", continueSession: true);

        Assert.Contains("FAKE-MLX-LM", second.ResultText);
        // Side requests of the first run may still drain to LM Studio after claude exits (one request at a
        // time per local backend), so assert on the second run's own turns: none went to LM Studio.
        Assert.DoesNotContain(rig.LmStudio.ChatRequests, r => r.Body.Contains(followUp, StringComparison.Ordinal));
        var mlxMain = ProxyRig.MainTurns(rig.Mlx.ChatRequests, marker);
        Assert.NotEmpty(mlxMain);
        Assert.Contains(followUp, mlxMain[^1].Body);
        // The earlier LM Studio answer reached MLX-LM as conversation history.
        Assert.Contains("FAKE-LMSTUDIO", mlxMain[^1].Body);
        Assert.Contains(rig.Proxy.GetRecords(), r => r.Mode == BackendMode.MlxLm);
    }

    private static string Marker() => "e2e" + Guid.NewGuid().ToString("N")[..10];

    private static bool HasTools(RecordedRequest request) => ProxyRig.HasTools(request);

    private static IEnumerable<string> ToolMessageContents(RecordedRequest request)
    {
        using var doc = request.BodyJson();
        return doc.RootElement.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("role").GetString() == "tool")
            .Select(m => m.GetProperty("content").ToString())
            .ToList();
    }

    private static void AssertPrefixExtensions(IReadOnlyList<RecordedRequest> turns, int minTurns)
    {
        Assert.True(turns.Count >= minTurns, $"expected at least {minTurns} main-conversation backend requests, got {turns.Count}");
        var parts = turns.Select(t => BackendRequestParts.FromChat(t.Body)).ToList();
        for (var n = 0; n + 1 < parts.Count; n++)
        {
            var why = PrefixComparison.FindBreak(parts[n], parts[n + 1]);
            Assert.True(why is null, $"backend requests #{turns[n].Sequence}→#{turns[n + 1].Sequence} are not a prefix extension: {why}");
        }
    }
}
