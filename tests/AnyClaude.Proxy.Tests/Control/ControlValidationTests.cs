using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Hosting;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Control;

/// <summary>Issue 8 item 7: every field POST /anyclaude/mode accepts is validated; a bad one is a 400
/// invalid_request_error naming the field, and nothing changes. (contextWindow 0 was accepted and broke every
/// later request.)</summary>
public sealed class ControlValidationTests
{
    [Theory]
    [InlineData("""{"mode":"lmstudio","contextWindow":0}""", "contextWindow")]
    [InlineData("""{"mode":"lmstudio","contextWindow":-5}""", "contextWindow")]
    [InlineData("""{"mode":"lmstudio","contextWindow":1.5}""", "contextWindow")]
    [InlineData("""{"mode":"lmstudio","contextWindow":"8192"}""", "contextWindow")]
    [InlineData("""{"mode":"lmstudio","contextWindow":1e12}""", "contextWindow")]
    [InlineData("""{"mode":"lmstudio","maxConcurrency":0}""", "maxConcurrency")]
    [InlineData("""{"mode":"lmstudio","maxConcurrency":100000}""", "maxConcurrency")]
    [InlineData("""{"mode":"lmstudio","maxConcurrency":true}""", "maxConcurrency")]
    [InlineData("""{"mode":"lmstudio","stallTimeout":0}""", "stallTimeout")]
    [InlineData("""{"mode":"lmstudio","stallTimeout":-5}""", "stallTimeout")]
    [InlineData("""{"mode":"lmstudio","stallTimeout":"90"}""", "stallTimeout")]
    [InlineData("""{"mode":"lmstudio","stallTimeout":"00:01:30"}""", "stallTimeout")]
    [InlineData("""{"mode":"lmstudio","stallTimeout":86401}""", "stallTimeout")]
    [InlineData("""{"mode":"lmstudio","stallTimeout":1e300}""", "stallTimeout")]
    [InlineData("""{"mode":"lmstudio","backgroundRequests":"sometimes"}""", "backgroundRequests")]
    [InlineData("""{"mode":"lmstudio","backgroundRequests":7}""", "backgroundRequests")]
    [InlineData("""{"mode":"lmstudio","subAgentRequests":"AnswerLocally"}""", "subAgentRequests")]
    [InlineData("""{"mode":"lmstudio","subAgentRequests":3}""", "subAgentRequests")]
    [InlineData("""{"mode":"lmstudio","caCertificate":"/tmp/team-ca.pem"}""", "caCertificate")]
    [InlineData("""{"mode":"lmstudio","toolCalls":"Sometimes"}""", "toolCalls")]
    [InlineData("""{"mode":"lmstudio","toolCalls":"1"}""", "toolCalls")]
    [InlineData("""{"mode":"lmstudio","toolCalls":1}""", "toolCalls")]
    [InlineData("""{"mode":"lmstudio","baseUrl":"ftp://127.0.0.1/v1"}""", "baseUrl")]
    [InlineData("""{"mode":"lmstudio","baseUrl":"file:///etc/passwd"}""", "baseUrl")]
    [InlineData("""{"mode":"lmstudio","baseUrl":"not a url"}""", "baseUrl")]
    [InlineData("""{"mode":"lmstudio","baseUrl":"/v1"}""", "baseUrl")]
    [InlineData("""{"mode":"lmstudio","baseUrl":"http://user:pw@127.0.0.1:1234/v1"}""", "baseUrl")]
    [InlineData("""{"mode":"lmstudio","baseUrl":"http://127.0.0.1:1234/v1?x=1"}""", "baseUrl")]
    [InlineData("""{"mode":"lmstudio","baseUrl":42}""", "baseUrl")]
    [InlineData("""{"mode":"lmstudio","baseUrl":null}""", "baseUrl")]
    [InlineData("""{"mode":"lmstudio","model":""}""", "model")]
    [InlineData("""{"mode":"lmstudio","model":7}""", "model")]
    [InlineData("""{"mode":"lmstudio","model":"a\nb"}""", "model")]
    [InlineData("""{"mode":"lmstudio","apiKey":"k\r\nX-Injected: 1"}""", "apiKey")]
    [InlineData("""{"mode":"lmstudio","apiKey":123}""", "apiKey")]
    [InlineData("""{"mode":"lmstudio","apiKey":""}""", "apiKey")]
    [InlineData("""{"mode":"lmstudio","contextwindow":8192}""", "contextwindow")]
    [InlineData("""{"mode":7}""", "mode")]
    [InlineData("""{"mode":"nonsense"}""", "mode")]
    [InlineData("""{"mode":"99"}""", "mode")]
    [InlineData("""{"baseUrl":"http://127.0.0.1:1/v1"}""", "mode")]
    public async Task A_bad_field_is_a_400_naming_it_and_changes_nothing(string json, string field)
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions { Mode = BackendMode.MlxLm });
        var before = proxy.Backends;
        using var client = ControlClient(proxy);
        var (status, body) = await PostForJsonAsync(client, "/anyclaude/mode", json);
        AssertError(status, body, 400, "invalid_request_error");
        Assert.StartsWith(field + ":", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(BackendMode.MlxLm, proxy.Mode);
        Assert.Equal(before, proxy.Backends);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"lmstudio\"")]
    [InlineData("{not json")]
    public async Task A_body_that_is_not_an_object_is_a_400(string json)
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        using var client = ControlClient(proxy);
        var (status, body) = await PostForJsonAsync(client, "/anyclaude/mode", json);
        AssertError(status, body, 400, "invalid_request_error");
    }

    [Fact]
    public async Task Valid_fields_apply_and_null_clears_model_context_window_and_concurrency()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        using var client = ControlClient(proxy);
        var (s1, b1) = await PostForJsonAsync(client, "/anyclaude/mode",
            """{"mode":"openai","baseUrl":"https://team-gpu.example:8443/v1","model":"qwen3-coder","apiKey":"team-key","toolCalls":"off","contextWindow":131072,"maxConcurrency":8}""");
        Assert.True(s1 == 200, b1.GetRawText());
        var openai = proxy.GetBackend(BackendMode.OpenAICompatible);
        Assert.Equal(BackendMode.OpenAICompatible, proxy.Mode);
        Assert.Equal((new Uri("https://team-gpu.example:8443/v1"), "qwen3-coder", "team-key", ToolCallMode.Off, (int?)131072, 8),
            (openai.BaseUrl, openai.Model, openai.ApiKey, openai.ToolCalls, openai.ContextWindow, openai.MaxConcurrency));

        var (s2, b2) = await PostForJsonAsync(client, "/anyclaude/mode", """{"mode":"openai","model":null,"contextWindow":null,"maxConcurrency":null}""");
        Assert.True(s2 == 200, b2.GetRawText());
        openai = proxy.GetBackend(BackendMode.OpenAICompatible);
        Assert.Equal((null, null, 0, BackendSettings.RemoteDefaultConcurrency), (openai.Model, openai.ContextWindow, openai.MaxConcurrency, openai.EffectiveMaxConcurrency));
        Assert.Equal("team-key", openai.ApiKey);
    }

    [Fact]
    public async Task The_engine_api_refuses_a_context_window_that_is_not_positive()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        Assert.Throws<ArgumentException>(() => proxy.Configure(proxy.ActiveBackend with { ContextWindow = 0 }));
        Assert.Throws<ProxyStartException>(() => ProxyServer.Start(new ProxyOptions
        {
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { ContextWindow = -1 } },
        }));
    }

    [Fact]
    public void Parse_rejects_with_an_ApiException_before_touching_any_proxy()
    {
        var e = Assert.Throws<ApiException>(() => ModeSettingsSchema.ParseRequest("""{"mode":"mlx","contextWindow":0}"""u8.ToArray()));
        Assert.Equal(400, e.Status);
        Assert.Contains("contextWindow", e.Message);
    }
}
