using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Proxy.Configuration;
using Xunit;

namespace AnyClaude.Proxy.Tests.Cmdlets;

/// <summary>Set-AnyClaudeMode's settings as one object: merged over earlier ones, applied to a proxy's settings.
/// Module code that needs no PowerShell, tested without pwsh.</summary>
public sealed class BackendOverrideTests
{
    [Fact]
    public void Nothing_given_is_empty_and_anything_given_is_not()
    {
        Assert.True(new BackendOverride().IsEmpty);
        Assert.False(new BackendOverride { StallTimeout = TimeSpan.FromSeconds(5) }.IsEmpty);
        Assert.False(new BackendOverride { ApiKeySecret = "team-key" }.IsEmpty);
    }

    [Fact]
    public void Later_values_win_and_what_was_not_given_keeps_its_earlier_value()
    {
        var first = new BackendOverride { BaseUrl = new Uri("http://gpu-box:1234/v1"), Model = "qwen3-coder-30b", MaxConcurrency = 2 };
        var second = new BackendOverride { Model = "openai/gpt-oss-20b", ToolHistory = ToolHistoryMode.Text };

        var merged = second.Over(first);

        Assert.Equal(new Uri("http://gpu-box:1234/v1"), merged.BaseUrl);
        Assert.Equal("openai/gpt-oss-20b", merged.Model);
        Assert.Equal(2, merged.MaxConcurrency);
        Assert.Equal(ToolHistoryMode.Text, merged.ToolHistory);
        Assert.Same(second, second.Over(null));
    }

    [Fact]
    public void Applied_to_a_backend_it_changes_only_what_was_given_and_never_the_key()
    {
        var current = BackendSettings.Default(BackendMode.LmStudio) with { ApiKey = "sk-old", Model = "old-model", MaxConcurrency = 3 };

        var applied = new BackendOverride { Model = "new-model", ApiKeySecret = "team-key", StallTimeout = TimeSpan.FromMinutes(2) }.ApplyTo(current);

        Assert.Equal("new-model", applied.Model);
        Assert.Equal(current.BaseUrl, applied.BaseUrl);
        Assert.Equal(3, applied.MaxConcurrency);
        Assert.Equal(TimeSpan.FromMinutes(2), applied.StallTimeout);
        Assert.Equal("sk-old", applied.ApiKey); // the secret is read where the key goes, not here
    }

    [Theory]
    [InlineData(BackendMode.LmStudio, "http://localhost:1234", "http://localhost:1234/v1")]
    [InlineData(BackendMode.MlxLm, "http://mac-studio:8081/", "http://mac-studio:8081/v1")]
    [InlineData(BackendMode.LmStudio, "http://gpu-box:1234/api/v1", "http://gpu-box:1234/api/v1")]
    [InlineData(BackendMode.AnthropicCompatible, "https://llm.example.com", "https://llm.example.com/")]
    public void Base_urls_are_made_whole_as_users_write_them(BackendMode mode, string written, string expected) =>
        Assert.Equal(new Uri(expected), BaseUrlSetting.Parse(written, mode, "-BaseUrl"));

    [Theory]
    [InlineData("localhost:1234")]
    [InlineData("ftp://gpu-box/v1")]
    [InlineData("not a url")]
    public void A_url_that_is_not_absolute_http_is_refused_with_an_example(string written)
    {
        var e = Assert.Throws<ConfigurationException>(() => BaseUrlSetting.Parse(written, BackendMode.LmStudio, "LMSTUDIO_URL"));
        Assert.Contains("LMSTUDIO_URL", e.Message);
        Assert.Contains("http://", e.Message);
    }
}
