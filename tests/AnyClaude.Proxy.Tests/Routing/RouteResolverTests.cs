using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Routing;
using Xunit;

namespace AnyClaude.Proxy.Tests.Routing;

/// <summary>
/// Routing by explicit aliases only (issue 7, item 1): a model id whose first segment happens to be a mode alias
/// (LM Studio's <c>openai/gpt-oss-20b</c>, OpenRouter's <c>anthropic/…</c>) is a model id, not a mode.
/// </summary>
public sealed class RouteResolverTests
{
    private const string LmStudioModel = "qwen/qwen3-coder-30b";
    private const string MlxModel = "mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit";

    private static ModeSnapshot Snapshot(BackendMode active, string? lmStudioModel = LmStudioModel, string? mlxModel = MlxModel, string? claudeModel = null) =>
        ModeSnapshot.From(new ProxyOptions
        {
            Mode = active,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { Model = lmStudioModel },
                [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { Model = mlxModel },
                [BackendMode.Claude] = BackendSettings.Default(BackendMode.Claude) with { Model = claudeModel },
            },
        });

    /// <summary>Real ids users configure: LM Studio's catalogue, Hugging Face repos, Ollama tags, Claude names.</summary>
    public static TheoryData<string> RealModelIds() => new(
        "openai/gpt-oss-20b",
        "openai/gpt-oss-120b",
        "qwen/qwen3-coder-30b",
        "mistralai/devstral-small-2507",
        "google/gemma-3-27b",
        "lmstudio-community/Qwen3-Coder-30B-A3B-Instruct-GGUF",
        "mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit",
        "mlx-community/gpt-oss-20b-MXFP4-Q8",
        "anthropic/claude-sonnet-4.5",
        "qwen3-coder:30b",
        "gpt-oss:20b",
        "claude-opus-4-8",
        "claude-sonnet-4-5-20250929",
        "claude-haiku-4-5-20251001");

    [Theory]
    [MemberData(nameof(RealModelIds))]
    public void A_real_model_id_goes_to_the_active_mode(string id)
    {
        foreach (var active in new[] { BackendMode.LmStudio, BackendMode.MlxLm, BackendMode.Claude, BackendMode.OpenAICompatible, BackendMode.AnthropicCompatible })
        {
            var route = RouteResolver.Resolve(Snapshot(active), id);
            Assert.Equal(active, route.Backend.Mode);
        }
    }

    [Fact]
    public void LM_Studio_gets_the_id_the_user_chose()
    {
        // Start-AnyClaude exports LMSTUDIO_MODEL to every model role; /model picks another loaded model.
        foreach (var id in new[] { "openai/gpt-oss-20b", "google/gemma-3-27b", "lmstudio-community/Qwen3-Coder-30B-A3B-Instruct-GGUF" })
        {
            var route = RouteResolver.Resolve(Snapshot(BackendMode.LmStudio), id);
            Assert.Equal(id, route.Model);
            Assert.True(route.NamesMode, "the model the backend gets is the route's, not the request's");
        }
        var ollama = RouteResolver.Resolve(Snapshot(BackendMode.AnthropicCompatible), "qwen3-coder:30b");
        Assert.Equal("qwen3-coder:30b", ollama.Model);
        var generic = RouteResolver.Resolve(Snapshot(BackendMode.OpenAICompatible), "anthropic/claude-sonnet-4.5");
        Assert.Equal("anthropic/claude-sonnet-4.5", generic.Model);
    }

    [Theory]
    [InlineData("claude-opus-4-8")]
    [InlineData("claude-haiku-4-5-20251001")]
    [InlineData("anyclaude-local")]
    public void Local_modes_replace_Claude_names_and_the_placeholder_with_the_configured_model(string id)
    {
        Assert.Equal(LmStudioModel, RouteResolver.Resolve(Snapshot(BackendMode.LmStudio), id).Model);
        Assert.Null(RouteResolver.Resolve(Snapshot(BackendMode.LmStudio, lmStudioModel: null), id).Model);
        Assert.Equal(MlxModel, RouteResolver.Resolve(Snapshot(BackendMode.MlxLm), id).Model);
    }

    [Theory]
    [MemberData(nameof(RealModelIds))]
    public void MLX_LM_never_gets_an_id_it_was_not_configured_with(string id)
    {
        // mlx_lm.server treats any other model value as a Hugging Face repo to download and load.
        Assert.Equal(MlxModel, RouteResolver.Resolve(Snapshot(BackendMode.MlxLm), id).Model);
        Assert.Null(RouteResolver.Resolve(Snapshot(BackendMode.MlxLm, mlxModel: null), id).Model);
    }

    [Fact]
    public void Another_modes_configured_model_does_not_follow_a_mode_switch()
    {
        // Claude Code was started for MlxLm (its model exported to every role); the user then switched to LM Studio.
        var route = RouteResolver.Resolve(Snapshot(BackendMode.LmStudio), MlxModel);
        Assert.Equal(LmStudioModel, route.Model);
    }

    [Fact]
    public void Claude_mode_keeps_Claude_names_and_replaces_local_ids_when_it_has_a_model()
    {
        var claude = RouteResolver.Resolve(Snapshot(BackendMode.Claude), "claude-opus-4-8");
        Assert.Equal(BackendMode.Claude, claude.Backend.Mode);
        Assert.Equal("claude-opus-4-8", claude.Model);
        Assert.False(claude.NamesMode, "Claude's own names go to Anthropic byte for byte");

        var local = RouteResolver.Resolve(Snapshot(BackendMode.Claude, claudeModel: "claude-sonnet-4-6"), "openai/gpt-oss-20b");
        Assert.Equal("claude-sonnet-4-6", local.Model);
        Assert.True(local.NamesMode);
    }

    [Theory]
    [InlineData("lmstudio", BackendMode.LmStudio)]
    [InlineData("LMStudio", BackendMode.LmStudio)]
    [InlineData("lm-studio", BackendMode.LmStudio)]
    [InlineData("mlx-lm", BackendMode.MlxLm)]
    [InlineData("mlx", BackendMode.MlxLm)]
    [InlineData("claude", BackendMode.Claude)]
    [InlineData("anthropic", BackendMode.Claude)]
    [InlineData("openai", BackendMode.OpenAICompatible)]
    [InlineData("anthropic-compatible", BackendMode.AnthropicCompatible)]
    public void A_bare_mode_name_picks_that_mode_with_its_configured_model(string name, BackendMode expected)
    {
        var route = RouteResolver.Resolve(Snapshot(BackendMode.LmStudio), name);
        Assert.Equal(expected, route.Backend.Mode);
        Assert.True(route.NamesMode);
        Assert.Equal(Snapshot(BackendMode.LmStudio).Get(expected).Model, route.Model);
    }

    [Theory]
    [InlineData("lmstudio/openai/gpt-oss-20b", BackendMode.LmStudio, "openai/gpt-oss-20b")]
    [InlineData("lmstudio/qwen3-coder-30b", BackendMode.LmStudio, "qwen3-coder-30b")]
    [InlineData("lm-studio/google/gemma-3-27b", BackendMode.LmStudio, "google/gemma-3-27b")]
    [InlineData("mlx-lm/mlx-community/gpt-oss-20b-MXFP4-Q8", BackendMode.MlxLm, "mlx-community/gpt-oss-20b-MXFP4-Q8")]
    [InlineData("claude/claude-sonnet-4-6", BackendMode.Claude, "claude-sonnet-4-6")]
    [InlineData("openai-compatible/anthropic/claude-sonnet-4.5", BackendMode.OpenAICompatible, "anthropic/claude-sonnet-4.5")]
    [InlineData("anthropic-compatible/qwen3-coder:30b", BackendMode.AnthropicCompatible, "qwen3-coder:30b")]
    public void An_explicit_mode_prefix_picks_that_mode_and_model(string id, BackendMode mode, string model)
    {
        var route = RouteResolver.Resolve(Snapshot(BackendMode.MlxLm), id);
        Assert.Equal(mode, route.Backend.Mode);
        Assert.Equal(model, route.Model);
        Assert.True(route.NamesMode);
    }

    [Theory]
    [InlineData("openai/gpt-oss-20b")]
    [InlineData("anthropic/claude-sonnet-4.5")]
    [InlineData("mlx/some-model")]
    public void Hub_namespaces_that_equal_a_short_alias_are_not_mode_prefixes(string id)
    {
        // The bug of issue 7: LMSTUDIO_MODEL=openai/gpt-oss-20b went to OpenAICompatible (localhost:8000).
        var route = RouteResolver.Resolve(Snapshot(BackendMode.LmStudio), id);
        Assert.Equal(BackendMode.LmStudio, route.Backend.Mode);
        Assert.Equal(id, route.Model);
    }

    [Fact]
    public void No_model_goes_to_the_active_mode_with_its_configured_model()
    {
        var route = RouteResolver.Resolve(Snapshot(BackendMode.MlxLm), null);
        Assert.Equal(BackendMode.MlxLm, route.Backend.Mode);
        Assert.Equal(MlxModel, route.Model);
    }
}
