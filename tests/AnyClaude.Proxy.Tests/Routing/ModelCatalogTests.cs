using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Routing;
using Xunit;

namespace AnyClaude.Proxy.Tests.Routing;

/// <summary>Issue 18: every row Claude Code's /model picker shows (the proxy's model catalog, GET /v1/models) routes
/// where its name says, and the list follows the proxy (a mode switch, a model loaded later).</summary>
public sealed class ModelCatalogTests
{
    private static ModeSnapshot Snapshot(BackendMode active, string? claudeKey = null) =>
        ModeSnapshot.From(new ProxyOptions
        {
            Mode = active,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { Model = "qwen/qwen3-coder-30b", ContextWindow = 32768 },
                [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { ToolCalls = ToolCallMode.Off },
                [BackendMode.Claude] = BackendSettings.Default(BackendMode.Claude) with { ApiKey = claudeKey, Model = claudeKey is null ? null : "claude-sonnet-4-5" },
                [BackendMode.OpenAICompatible] = BackendSettings.Default(BackendMode.OpenAICompatible) with { Model = "gpt-oss:20b" },
                [BackendMode.AnthropicCompatible] = BackendSettings.Default(BackendMode.AnthropicCompatible) with { Model = "openai/gpt-oss-20b" },
            },
        });

    private static readonly Dictionary<BackendMode, IReadOnlyList<string>> s_listed = new()
    {
        [BackendMode.LmStudio] = ["qwen/qwen3-coder-30b", "openai/gpt-oss-20b", "google/gemma-3-12b"],
        [BackendMode.MlxLm] = ["mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit"],
        [BackendMode.OpenAICompatible] = ["anthropic/claude-sonnet-4.5"],
    };

    public static TheoryData<BackendMode> Modes() => new(Enum.GetValues<BackendMode>());

    [Theory]
    [MemberData(nameof(Modes))]
    public void Every_row_routes_to_the_mode_and_model_it_names_whatever_mode_is_active(BackendMode active)
    {
        var snapshot = Snapshot(active, claudeKey: "sk-ant-test");
        var rows = ModelCatalog.Build(snapshot, s_listed);
        Assert.NotEmpty(rows);
        Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        foreach (var row in rows)
        {
            var route = RouteResolver.Resolve(snapshot, row.Id);
            Assert.True(route.Backend.Mode == row.Mode, $"{row.Id} went to {route.Backend.Mode}, its row says {row.Mode}");
            Assert.Equal(row.Model ?? snapshot.Get(row.Mode).Model, route.Model);
            Assert.StartsWith(ModelCatalog.ShortModeName(row.Mode) + " · ", row.DisplayName);
        }
        // Models whose own ids start with a hub namespace that is also a mode alias stay under their mode.
        Assert.Contains(rows, r => r is { Id: "lmstudio/openai/gpt-oss-20b", Mode: BackendMode.LmStudio, Model: "openai/gpt-oss-20b" });
        Assert.Contains(rows, r => r is { Id: "openai-compatible/anthropic/claude-sonnet-4.5", Mode: BackendMode.OpenAICompatible });
        Assert.Contains(rows, r => r is { Id: "anthropic-compatible/openai/gpt-oss-20b", Mode: BackendMode.AnthropicCompatible });
    }

    [Fact]
    public void Names_say_the_backend_the_model_what_it_does_with_tools_and_its_window()
    {
        var rows = ModelCatalog.Build(Snapshot(BackendMode.LmStudio), s_listed);
        Assert.Equal("LM Studio · qwen3-coder-30b · tools · 32K", rows.Single(r => r.Id == "lmstudio/qwen/qwen3-coder-30b").DisplayName);
        Assert.Equal("LM Studio · qwen3-coder-30b · tools · 32K", rows.Single(r => r.Id == "lmstudio").DisplayName);
        Assert.Equal("MLX-LM · Qwen3-Coder-30B-A3B-Instruct-4bit · analysis", rows.Single(r => r.Id == "mlx-lm/mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit").DisplayName);
        Assert.Equal("MLX-LM · loaded model · analysis", rows.Single(r => r.Id == "mlx-lm").DisplayName);
    }

    [Fact]
    public void Claude_is_listed_only_when_the_user_gave_the_proxy_a_key()
    {
        Assert.DoesNotContain(ModelCatalog.Build(Snapshot(BackendMode.LmStudio), s_listed), r => r.Mode == BackendMode.Claude);
        var rows = ModelCatalog.Build(Snapshot(BackendMode.LmStudio, claudeKey: "sk-ant-test"), s_listed);
        Assert.Contains(rows, r => r is { Id: "claude", Mode: BackendMode.Claude });
        Assert.Contains(rows, r => r is { Id: "claude/claude-sonnet-4-5", Model: "claude-sonnet-4-5" });
    }

    [Fact]
    public void Compatible_modes_without_any_model_are_not_offered()
    {
        var snapshot = ModeSnapshot.From(new ProxyOptions());
        var rows = ModelCatalog.Build(snapshot, null);
        Assert.Equal(["lmstudio", "mlx-lm"], rows.Select(r => r.Id));
        Assert.Equal("LM Studio · loaded model · tools", rows[0].DisplayName);
    }

    [Fact]
    public async Task The_proxy_list_follows_a_mode_switch_and_a_model_loaded_later()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = "qwen/qwen3-coder-30b" });
        await using var proxy = ProxyServer.Start(new ProxyOptions
        {
            Mode = BackendMode.LmStudio,
            PublishStateFile = false,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(fake.BaseUrl) },
                [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { BaseUrl = new Uri($"http://127.0.0.1:{FakeOpenAiServer.UnusedPort()}/v1") },
            },
        });
        var before = await proxy.GetModelCatalogAsync();
        Assert.Contains(before, r => r.Id == "lmstudio/qwen/qwen3-coder-30b");
        Assert.Contains(before, r => r.Id == "lmstudio" && r.Description.EndsWith("(active)", StringComparison.Ordinal));
        Assert.DoesNotContain(before, r => r.Id == "lmstudio/google/gemma-3-12b");

        // A model loaded in LM Studio afterwards (the fake now lists it) and a switch to mlx-lm.
        fake.Options.OtherModels = ["google/gemma-3-12b"];
        proxy.SetMode(BackendMode.MlxLm);
        proxy.Configure(proxy.GetBackend(BackendMode.MlxLm) with { Model = "mlx-community/Qwen3-8B-4bit" });

        using var client = new HttpClient { BaseAddress = proxy.BaseUrl };
        client.DefaultRequestHeaders.Add("x-api-key", proxy.Token);
        var root = JsonDocument.Parse(await client.GetStringAsync("/v1/models?limit=1000")).RootElement;
        var after = root.GetProperty("data").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!, m => m);
        Assert.True(after.ContainsKey("lmstudio/google/gemma-3-12b"), string.Join(", ", after.Keys));
        Assert.True(after.ContainsKey("mlx-lm/mlx-community/Qwen3-8B-4bit"));
        Assert.EndsWith("(active)", after["mlx-lm"].GetProperty("description").GetString());
        Assert.Equal("MLX-LM · Qwen3-8B-4bit · analysis", after["mlx-lm"].GetProperty("display_name").GetString());
        var snapshot = ModeSnapshot.From(new ProxyOptions { Mode = BackendMode.MlxLm, Backends = proxy.Backends.ToDictionary(b => b.Mode) });
        foreach (var (id, _) in after)
        {
            var route = RouteResolver.Resolve(snapshot, id);
            Assert.StartsWith(ModelCatalog.ShortModeName(route.Backend.Mode), after[id].GetProperty("display_name").GetString());
        }
    }
}
