using System.Text.Json;
using AnyClaude.Cmdlets.Launch;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Routing;
using Xunit;

namespace AnyClaude.Proxy.Tests.Cmdlets;

/// <summary>Issue 18: what Start-AnyClaude tells each pinned Claude Code about the proxy's routes: 2.1.332 reads the
/// modelPicker rows and disableAutoMode from --settings, 2.1.197 the gateway model cache (discovery on); the user's own
/// values win and the user's files come back as they were.</summary>
public sealed class ModelEnvironmentTests : IDisposable
{
    private const string BaseUrl = "http://127.0.0.1:4312";
    private readonly string _dir = Directory.CreateTempSubdirectory("anyclaude-modelenv-").FullName;
    private string Config => Path.Combine(_dir, "config");
    private string SettingsPath => Path.Combine(_dir, "launch.settings.json");

    private static readonly ModelCatalogEntry[] s_catalog =
    [
        new("lmstudio", BackendMode.LmStudio, null, "LM Studio · qwen3-coder-30b · tools · 32K", "LM Studio mode (active)"),
        new("lmstudio/qwen/qwen3-coder-30b", BackendMode.LmStudio, "qwen/qwen3-coder-30b", "LM Studio · qwen3-coder-30b · tools · 32K", "qwen/qwen3-coder-30b via LM Studio"),
        new("lmstudio/google/gemma-3-12b", BackendMode.LmStudio, "google/gemma-3-12b", "LM Studio · gemma-3-12b · tools · 32K", "google/gemma-3-12b via LM Studio"),
        new("mlx-lm", BackendMode.MlxLm, null, "MLX-LM · loaded model · analysis", "MLX-LM mode"),
    ];

    public ModelEnvironmentTests() => Directory.CreateDirectory(Config);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (Dictionary<string, string?> Env, ModelEnvironment Prepared) Prepare(BackendMode mode = BackendMode.LmStudio, string[]? arguments = null,
        Dictionary<string, string>? user = null, string? statusLine = null)
    {
        var env = new Dictionary<string, string?> { ["ANTHROPIC_BASE_URL"] = BaseUrl };
        var prepared = ModelEnvironment.Prepare(env, BackendSettings.Default(mode), s_catalog, statusLine, SettingsPath, arguments ?? [],
            name => user is not null && user.TryGetValue(name, out var v) ? v : null, Config);
        return (env, prepared);
    }

    [Fact]
    public void Claude_Code_2_1_332_gets_picker_rows_replacing_the_priced_lineup_and_no_auto_mode_for_a_local_mode()
    {
        var statusLine = Path.Combine(_dir, "statusline.settings.json");
        File.WriteAllText(statusLine, """{"statusLine":{"type":"command","command":"cat x","padding":0}}""");
        var (_, prepared) = Prepare(statusLine: statusLine);

        Assert.Equal(["--settings", SettingsPath], prepared.Arguments);
        using var settings = JsonDocument.Parse(File.ReadAllText(SettingsPath));
        var root = settings.RootElement;
        Assert.Equal("cat x", root.GetProperty("statusLine").GetProperty("command").GetString());
        Assert.Equal("disable", root.GetProperty("disableAutoMode").GetString());
        Assert.NotNull(prepared.AutoModeOff);
        var picker = root.GetProperty("modelPicker");
        Assert.True(picker.GetProperty("replaceBuiltInOptions").GetBoolean());
        var rows = picker.GetProperty("options").EnumerateArray().ToArray();
        // The configured model's own row is the mode's row once.
        Assert.Equal(["lmstudio", "lmstudio/google/gemma-3-12b", "mlx-lm"], rows.Select(r => r.GetProperty("model").GetString()));
        Assert.Equal("LM Studio · qwen3-coder-30b · tools · 32K", rows[0].GetProperty("label").GetString());
        Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r.GetProperty("description").GetString())));

        prepared.Restore();
        Assert.False(File.Exists(SettingsPath));
    }

    [Fact]
    public void Claude_Code_2_1_197_reads_the_rows_from_its_gateway_cache_and_the_users_cache_comes_back()
    {
        var cache = Path.Combine(Config, "cache", "gateway-models.json");
        Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
        const string users = """{"baseUrl":"https://gateway.example","fetchedAt":1,"models":[{"id":"claude-user"}]}""";
        File.WriteAllText(cache, users);
        File.WriteAllText(Path.Combine(Config, "settings.json"), """{ "model": "claude-sonnet-4-5", "theme": "dark" }""");

        var (env, prepared) = Prepare();

        Assert.Equal("1", env["CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY"]);
        using (var written = JsonDocument.Parse(File.ReadAllText(cache)))
        {
            // Claude Code lists the cache's rows only when its baseUrl is ANTHROPIC_BASE_URL, byte for byte.
            Assert.Equal(BaseUrl, written.RootElement.GetProperty("baseUrl").GetString());
            Assert.True(written.RootElement.GetProperty("fetchedAt").GetInt64() > 0);
            var models = written.RootElement.GetProperty("models").EnumerateArray().ToArray();
            Assert.Equal("lmstudio", models[0].GetProperty("id").GetString());
            Assert.Equal("LM Studio · qwen3-coder-30b · tools · 32K", models[0].GetProperty("display_name").GetString());
        }
        // The roles' rows (2.1.197: "Custom Opus model") are named after what serves them.
        Assert.Equal("Active mode · LM Studio · qwen3-coder-30b · tools · 32K", env["ANTHROPIC_DEFAULT_OPUS_MODEL_NAME"]);
        Assert.Equal("Active mode (sonnet) · LM Studio · qwen3-coder-30b · tools · 32K", env["ANTHROPIC_DEFAULT_SONNET_MODEL_NAME"]);
        Assert.DoesNotContain("$", env["ANTHROPIC_DEFAULT_OPUS_MODEL_DESCRIPTION"]);
        Assert.False(string.IsNullOrEmpty(env["ANTHROPIC_DEFAULT_HAIKU_MODEL_DESCRIPTION"]));

        // A pick in /model is saved as the user's default; the session's end puts theirs back.
        File.WriteAllText(Path.Combine(Config, "settings.json"), """{ "model": "mlx-lm", "theme": "dark" }""");
        prepared.Restore();
        Assert.Equal(users, File.ReadAllText(cache));
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(Config, "settings.json")));
        Assert.Equal("claude-sonnet-4-5", settings.RootElement.GetProperty("model").GetString());
        Assert.Equal("dark", settings.RootElement.GetProperty("theme").GetString());
    }

    [Fact]
    public void Without_a_cache_or_model_of_the_users_none_is_left_behind()
    {
        var (_, prepared) = Prepare();
        File.WriteAllText(Path.Combine(Config, "settings.json"), """{ "model": "lmstudio/google/gemma-3-12b" }""");
        prepared.Restore();
        Assert.False(File.Exists(Path.Combine(Config, "cache", "gateway-models.json")));
        Assert.False(Directory.Exists(Path.Combine(Config, "cache")));
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(Config, "settings.json")));
        Assert.False(settings.RootElement.TryGetProperty("model", out _));
    }

    [Fact]
    public void The_users_own_values_win()
    {
        var user = new Dictionary<string, string>
        {
            ["ANTHROPIC_DEFAULT_OPUS_MODEL_NAME"] = "Mine",
            ["CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY"] = "0",
        };
        var (env, prepared) = Prepare(arguments: ["--permission-mode", "acceptEdits"], user: user);
        Assert.False(env.ContainsKey("ANTHROPIC_DEFAULT_OPUS_MODEL_NAME"));
        Assert.False(env.ContainsKey("CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY"));
        Assert.Null(prepared.AutoModeOff);
        using (var settings = JsonDocument.Parse(File.ReadAllText(SettingsPath)))
            Assert.False(settings.RootElement.TryGetProperty("disableAutoMode", out _));
        prepared.Restore();

        // Their settings choose auto mode: it stays.
        File.WriteAllText(Path.Combine(Config, "settings.json"), """{ "permissions": { "defaultMode": "auto" } }""");
        var (_, again) = Prepare();
        Assert.Null(again.AutoModeOff);
        again.Restore();

        // Their own --settings: Claude Code takes one, so none is added.
        var (_, own) = Prepare(arguments: ["--settings", "/their/settings.json"]);
        Assert.Empty(own.Arguments);
        own.Restore();
    }

    [Fact]
    public void Claude_mode_keeps_auto_mode_and_its_server_side_check()
    {
        var (env, prepared) = Prepare(BackendMode.Claude);
        Assert.Null(prepared.AutoModeOff);
        using (var settings = JsonDocument.Parse(File.ReadAllText(SettingsPath)))
            Assert.False(settings.RootElement.TryGetProperty("disableAutoMode", out _));
        Assert.False(env.ContainsKey("ANTHROPIC_DEFAULT_OPUS_MODEL_NAME"));
        prepared.Restore();
    }

    [Fact]
    public void A_headless_run_gets_no_picker_files()
    {
        var (env, prepared) = Prepare(arguments: ["-p", "hi"]);
        Assert.Empty(prepared.Arguments);
        Assert.False(env.ContainsKey("CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY"));
        Assert.False(File.Exists(Path.Combine(Config, "cache", "gateway-models.json")));
        prepared.Restore();
    }
}
