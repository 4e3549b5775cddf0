using AnyClaude.Cmdlets.Launch;
using AnyClaude.Proxy.Classification;
using AnyClaude.Proxy.Configuration;
using Xunit;

namespace AnyClaude.Proxy.Tests.Cmdlets;

/// <summary>The environment Start-AnyClaude launches Claude Code with: module code that needs no pwsh.</summary>
public sealed class ClaudeEnvironmentTests
{
    private static readonly Uri s_proxy = new("http://127.0.0.1:4312/");

    [Fact]
    public void Claude_Code_knows_the_proxy_and_its_token_and_no_backend_key()
    {
        var env = ClaudeEnvironment.For(s_proxy, "proxy-token", BackendSettings.Default(BackendMode.LmStudio), null);

        Assert.Equal("http://127.0.0.1:4312", env["ANTHROPIC_BASE_URL"]);
        Assert.Equal("proxy-token", env["ANTHROPIC_AUTH_TOKEN"]);
        Assert.True(env.ContainsKey("ANTHROPIC_API_KEY"));
        Assert.Null(env["ANTHROPIC_API_KEY"]); // removed: the proxy holds the user's key, Claude Code's tools never see it
        Assert.Contains(env, p => p.Key.EndsWith("API_KEY", StringComparison.Ordinal) && p.Key != "ANTHROPIC_API_KEY" && p.Value is null);
        Assert.Equal("1", env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"]);
    }

    /// <summary>Real model ids whose first segment looks like a short mode alias ("openai") are models: the old code
    /// took LM Studio's gpt-oss id for a mode name and gave the side roles no ids of their own.</summary>
    [Theory]
    [InlineData("openai/gpt-oss-20b")]
    [InlineData("qwen/qwen3-coder-30b")]
    [InlineData("mlx-community/Qwen3-4B-4bit")]
    [InlineData("google/gemma-3-27b")]
    public void A_local_model_is_pinned_for_every_role_and_the_side_roles_name_their_kind(string model)
    {
        var backend = BackendSettings.Default(BackendMode.LmStudio) with { Model = model };

        var env = ClaudeEnvironment.For(s_proxy, "t", backend, null);

        Assert.Equal(model, env["ANTHROPIC_MODEL"]);
        Assert.Equal(model, env["ANTHROPIC_DEFAULT_SONNET_MODEL"]);
        Assert.Equal(RoleModelIds.Background, env["ANTHROPIC_DEFAULT_HAIKU_MODEL"]);
        Assert.Equal(RoleModelIds.Background, env["ANTHROPIC_SMALL_FAST_MODEL"]);
        Assert.Equal(RoleModelIds.SubAgent, env["CLAUDE_CODE_SUBAGENT_MODEL"]);
    }

    [Fact]
    public void A_model_that_names_a_mode_goes_to_every_role_alike()
    {
        var env = ClaudeEnvironment.For(s_proxy, "t", BackendSettings.Default(BackendMode.LmStudio), "mlx-lm/qwen3-0.6b");

        Assert.Equal("mlx-lm/qwen3-0.6b", env["ANTHROPIC_DEFAULT_HAIKU_MODEL"]);
        Assert.Equal("mlx-lm/qwen3-0.6b", env["CLAUDE_CODE_SUBAGENT_MODEL"]);
        Assert.False(env.ContainsKey("ANTHROPIC_SMALL_FAST_MODEL"));
    }

    /// <summary>One rule for "this id names a mode": the environment gives the side roles ids of their own exactly when
    /// the proxy would send the id to the active mode. The old launch code took "lmstudio/" for a mode name, which
    /// the resolver did not.</summary>
    [Theory]
    [InlineData("lmstudio")]
    [InlineData("lmstudio/")]
    [InlineData("mlx-lm/")]
    [InlineData("mlx-lm/qwen3-0.6b")]
    [InlineData("claude/claude-sonnet-4-5")]
    [InlineData("openai")]
    [InlineData("openai/")]
    [InlineData("openai/gpt-oss-20b")]
    [InlineData("qwen/qwen3-coder-30b")]
    [InlineData("lmstudio-community/Qwen3-Coder-30B-A3B-Instruct-GGUF")]
    [InlineData("/lmstudio")]
    public void The_launch_environment_and_the_proxy_agree_on_which_ids_name_a_mode(string model)
    {
        const BackendMode active = BackendMode.AnthropicCompatible;
        var env = ClaudeEnvironment.For(s_proxy, "t", BackendSettings.Default(active), model);
        var launchNamesMode = env["CLAUDE_CODE_SUBAGENT_MODEL"] == model;

        var route = Proxy.Routing.RouteResolver.Resolve(Proxy.Routing.ModeSnapshot.From(new ProxyOptions { Mode = active }), model);
        var proxyNamesMode = route.Backend.Mode != active;

        Assert.Equal(proxyNamesMode, launchNamesMode);
    }

    [Fact]
    public void Claude_mode_leaves_Claude_Code_s_own_model_choice_and_traffic_alone()
    {
        var env = ClaudeEnvironment.For(s_proxy, "t", BackendSettings.Default(BackendMode.Claude), null);

        Assert.False(env.ContainsKey("ANTHROPIC_MODEL"));
        Assert.False(env.ContainsKey("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"));
    }
}
