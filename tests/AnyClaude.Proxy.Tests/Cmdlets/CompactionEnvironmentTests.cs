using System.Globalization;
using AnyClaude.Cmdlets.Launch;
using AnyClaude.Proxy.Configuration;
using Xunit;

namespace AnyClaude.Proxy.Tests.Cmdlets;

/// <summary>The variables that make each pinned Claude Code version compact before the backend's real window is full
/// (the formulas are the versions' own: docs/claude-code-footprint.md).</summary>
public sealed class CompactionEnvironmentTests
{
    private static readonly Uri s_proxy = new("http://127.0.0.1:4312/");

    /// <summary>2.1.332 (gse/QG, kfo 20,000), 2.1.197 (Gre/eBn, _ua 20,000) and 2.0.77 (_DA/ix2, min with the model's
    /// 32,000): each lands within a token of the target threshold, below the window with room for the answer.</summary>
    [Theory]
    [InlineData(32_768, 20_000)]
    [InlineData(32_768, 32_000)]
    [InlineData(65_536, 20_000)]
    [InlineData(131_072, 20_000)]
    [InlineData(131_072, 32_000)]
    public void Every_version_compacts_just_below_the_real_window(int window, int outputCap)
    {
        var env = new Dictionary<string, string?>();
        CompactionEnvironment.Apply(env, window, _ => null);

        var maxOutput = int.Parse(env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"]!, CultureInfo.InvariantCulture);
        var pct = double.Parse(env["CLAUDE_AUTOCOMPACT_PCT_OVERRIDE"]!, CultureInfo.InvariantCulture);
        var pinned = int.Parse(env["CLAUDE_CODE_AUTO_COMPACT_WINDOW"]!, CultureInfo.InvariantCulture);
        Assert.Equal("200000", env["CLAUDE_CODE_MAX_CONTEXT_TOKENS"]);
        Assert.Equal(200_000, pinned);

        var threshold = CompactionEnvironment.ThresholdFor(maxOutput, outputCap, pct, pinned);
        var target = window - window / 8;
        Assert.InRange(threshold, target - 1, target);
        Assert.True(threshold + maxOutput / 2 <= window, $"threshold {threshold} leaves less than half of max_tokens {maxOutput} in {window}");
    }

    /// <summary>2.1.197 (its own prompt and tools ~19K) is told the whole window under Elide: it compacts when its next
    /// request would not fit, the proxy's cut at ⅞ W doing the rest; under Refuse (no cut) and for 2.1.332 the
    /// threshold stays at ⅞ W.</summary>
    [Theory]
    [InlineData(32_768)]
    [InlineData(49_152)]
    [InlineData(65_536)]
    public void Version_2_1_197_compacts_at_the_whole_window_when_the_proxy_cuts(int window)
    {
        int ThresholdOf(string version, ContextPolicyMode policy)
        {
            var env = new Dictionary<string, string?>();
            CompactionEnvironment.Apply(env, window, _ => null, version, policy);
            var pct = double.Parse(env["CLAUDE_AUTOCOMPACT_PCT_OVERRIDE"]!, CultureInfo.InvariantCulture);
            return CompactionEnvironment.ThresholdFor(int.Parse(env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"]!, CultureInfo.InvariantCulture), 20_000, pct);
        }

        Assert.InRange(ThresholdOf("2.1.197", ContextPolicyMode.Elide), window - 1, window);
        var eighth = window - window / 8;
        Assert.InRange(ThresholdOf("2.1.197", ContextPolicyMode.Refuse), eighth - 1, eighth);
        Assert.InRange(ThresholdOf("2.1.332", ContextPolicyMode.Elide), eighth - 1, eighth);
        Assert.True(CompactionEnvironment.CompactsLate("2.1.197", ContextPolicyMode.Elide));
        Assert.False(CompactionEnvironment.CompactsLate(null, ContextPolicyMode.Elide));
    }

    [Fact]
    public void Start_AnyClaude_passes_the_version_and_the_modes_policy()
    {
        var elide = ClaudeEnvironment.For(s_proxy, "t", BackendSettings.Default(BackendMode.LmStudio), null, 32_768, "2.1.197");
        var refuse = ClaudeEnvironment.For(s_proxy, "t", BackendSettings.Default(BackendMode.LmStudio) with { ContextPolicy = ContextPolicyMode.Refuse }, null, 32_768, "2.1.197");
        Assert.Equal(CompactionEnvironment.Percent(32_768, late: true)!.Value.ToString("0.####", CultureInfo.InvariantCulture), elide["CLAUDE_AUTOCOMPACT_PCT_OVERRIDE"]);
        Assert.Equal(CompactionEnvironment.Percent(32_768)!.Value.ToString("0.####", CultureInfo.InvariantCulture), refuse["CLAUDE_AUTOCOMPACT_PCT_OVERRIDE"]);
    }

    [Theory]
    [InlineData(16_384, 4_096)]
    [InlineData(32_768, 8_192)]
    [InlineData(131_072, 20_000)]
    public void The_answer_budget_is_a_quarter_of_the_window_within_bounds(int window, int expected) =>
        Assert.Equal(expected, CompactionEnvironment.MaxOutputTokens(window));

    [Fact]
    public void The_users_own_values_win()
    {
        var user = new Dictionary<string, string> { ["CLAUDE_AUTOCOMPACT_PCT_OVERRIDE"] = "50", ["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] = "1234" };
        var env = new Dictionary<string, string?>();
        CompactionEnvironment.Apply(env, 32_768, n => user.GetValueOrDefault(n));

        Assert.False(env.ContainsKey("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE"));
        Assert.False(env.ContainsKey("CLAUDE_CODE_MAX_OUTPUT_TOKENS"));
        Assert.Equal("200000", env["CLAUDE_CODE_AUTO_COMPACT_WINDOW"]);
    }

    [Fact]
    public void An_unknown_window_sets_nothing_and_a_large_one_is_told_directly()
    {
        var none = new Dictionary<string, string?>();
        CompactionEnvironment.Apply(none, null, _ => null);
        Assert.Empty(none);

        var large = new Dictionary<string, string?>();
        CompactionEnvironment.Apply(large, 262_144, _ => null);
        Assert.Equal("262144", large["CLAUDE_CODE_AUTO_COMPACT_WINDOW"]);
        Assert.False(large.ContainsKey("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE"));
    }

    [Fact]
    public void Start_AnyClaude_passes_them_for_a_local_backend_with_a_known_window_only()
    {
        var local = ClaudeEnvironment.For(s_proxy, "t", BackendSettings.Default(BackendMode.MlxLm), null, 32_768);
        Assert.Equal("200000", local["CLAUDE_CODE_AUTO_COMPACT_WINDOW"]);
        Assert.Equal("8192", local["CLAUDE_CODE_MAX_OUTPUT_TOKENS"]);

        var claude = ClaudeEnvironment.For(s_proxy, "t", BackendSettings.Default(BackendMode.Claude), null, 200_000);
        Assert.False(claude.ContainsKey("CLAUDE_CODE_AUTO_COMPACT_WINDOW"));
    }
}
