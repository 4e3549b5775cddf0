using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Cmdlets.Session;
using AnyClaude.Proxy.Configuration;
using Xunit;

namespace AnyClaude.Proxy.Tests.Cmdlets;

/// <summary>Configuration precedence (parameter &gt; Set-AnyClaudeMode in this session &gt; environment &gt; config file
/// &gt; default), tested without pwsh. The variables read here are read by no engine test; the class runs its tests one
/// at a time (one xunit class) and restores what it changed.</summary>
public sealed class ConfigResolverTests : IDisposable
{
    private static readonly string[] s_variables = ["ANYCLAUDE_CONFIG", "ANYCLAUDE_MODE", "ANYCLAUDE_PORT", "LMSTUDIO_URL", "LMSTUDIO_MODEL", "MLX_LM_URL", "MLX_LM_MODEL"];
    private readonly Dictionary<string, string?> _saved = s_variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly string _config = Path.Combine(Path.GetTempPath(), $"anyclaude-config-{Guid.NewGuid():N}.json");

    public ConfigResolverTests()
    {
        foreach (var v in s_variables) Environment.SetEnvironmentVariable(v, null);
        Environment.SetEnvironmentVariable("ANYCLAUDE_CONFIG", _config);
        SessionDefaults.Clear();
    }

    public void Dispose()
    {
        SessionDefaults.Clear();
        foreach (var (name, value) in _saved) Environment.SetEnvironmentVariable(name, value);
        File.Delete(_config);
        File.Delete(_config + ".bak");
    }

    [Fact]
    public void Each_source_wins_over_the_ones_below_it_and_says_where_the_value_came_from()
    {
        File.WriteAllText(_config, """{"mode": "lmstudio", "port": 4100, "backends": {"lmstudio": {"model": "from-file", "baseUrl": "http://file-host:1234"}}}""");
        var fromFile = ConfigResolver.Resolve();
        Assert.Equal((BackendMode.LmStudio, ConfigSource.ConfigFile), (fromFile.Mode.Value, fromFile.Mode.Source));
        Assert.Equal(("from-file", ConfigSource.ConfigFile), (fromFile.Active.Model.Value, fromFile.Active.Model.Source));
        Assert.Equal(new Uri("http://file-host:1234/v1"), fromFile.Active.BaseUrl.Value);

        Environment.SetEnvironmentVariable("LMSTUDIO_MODEL", "from-env");
        Assert.Equal(("from-env", ConfigSource.Environment), (ConfigResolver.Resolve().Active.Model.Value, ConfigResolver.Resolve().Active.Model.Source));

        SessionDefaults.Set(BackendMode.LmStudio, new BackendOverride { Model = "from-session" });
        Assert.Equal(("from-session", ConfigSource.Session), (ConfigResolver.Resolve().Active.Model.Value, ConfigResolver.Resolve().Active.Model.Source));

        var fromParameter = ConfigResolver.Resolve(new ConfigParameters(Model: "from-parameter"));
        Assert.Equal(("from-parameter", ConfigSource.Parameter), (fromParameter.Active.Model.Value, fromParameter.Active.Model.Source));
        Assert.Equal(new Uri("http://file-host:1234/v1"), fromParameter.Active.BaseUrl.Value); // what no higher source gave stays
    }

    [Fact]
    public void A_saved_override_is_read_back_and_the_previous_file_is_kept()
    {
        File.WriteAllText(_config, """{"mode": "mlx-lm", "custom": "kept"}""");

        UserConfigFile.Save(BackendMode.LmStudio, new BackendOverride { Model = "qwen3-coder-30b", StallTimeout = TimeSpan.FromSeconds(90), ToolHistory = ToolHistoryMode.Text });

        var config = ConfigResolver.Resolve();
        Assert.Equal(BackendMode.LmStudio, config.Mode.Value);
        Assert.Equal("qwen3-coder-30b", config.Active.Model.Value);
        Assert.Equal(ToolHistoryMode.Text, config.Active.ToolHistory.Value);
        Assert.Contains("\"custom\": \"kept\"", File.ReadAllText(_config));
        Assert.Contains("mlx-lm", File.ReadAllText(_config + ".bak"));
    }

    [Fact]
    public void A_broken_setting_names_the_file_and_the_key()
    {
        File.WriteAllText(_config, """{"backends": {"lmstudio": {"toolHistory": "Sometimes"}}}""");

        var e = Assert.Throws<ConfigurationException>(() => ConfigResolver.Resolve());

        Assert.Contains(_config, e.Message);
        Assert.Contains("backends.lmstudio.toolHistory", e.Message);
        Assert.Contains("Native or Text", e.Message);
    }

    /// <summary>Issue 17: MLX-LM reports no window, so the mode's contextWindow sets it; contextPolicy chooses what a
    /// main turn over it gets.</summary>
    [Fact]
    public void The_context_window_and_policy_come_from_the_config_file()
    {
        File.WriteAllText(_config, """{"mode": "mlx-lm", "backends": {"mlx-lm": {"contextWindow": 32768, "contextPolicy": "refuse"}}}""");

        var settings = ConfigResolver.Resolve().Active.ToSettings();

        Assert.Equal(32_768, settings.ContextWindow);
        Assert.Equal(ContextPolicyMode.Refuse, settings.ContextPolicy);
        Assert.Equal(ContextPolicyMode.Elide, BackendSettings.Default(BackendMode.MlxLm).ContextPolicy);
    }

    [Theory]
    [InlineData("\"32k\"")]
    [InlineData("12")]
    public void A_context_window_that_is_no_size_names_the_key(string value)
    {
        File.WriteAllText(_config, "{\"backends\": {\"mlx-lm\": {\"contextWindow\": " + value + "}}}");

        var e = Assert.Throws<ConfigurationException>(() => ConfigResolver.Resolve());

        Assert.Contains("backends.mlx-lm.contextWindow", e.Message);
    }
}
