using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Security;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Security;

public sealed class GuardTests
{
    private static async Task<(int Status, JsonElement Body)> GetAsync(ProxyServer proxy, Action<HttpRequestMessage> setup)
    {
        using var client = new HttpClient { BaseAddress = proxy.BaseUrl };
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        setup(request);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        // The listener itself may refuse a foreign Host with a plain-text page before the guard runs.
        var json = text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return ((int)response.StatusCode, json);
    }

    [Fact]
    public async Task Requests_without_the_token_get_401_authentication_error()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var (status, body) = await GetAsync(proxy, _ => { });
        AssertError(status, body, 401, "authentication_error");
    }

    [Fact]
    public async Task A_wrong_token_gets_401_and_the_message_does_not_echo_it()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var wrong = proxy.Token[..^1] + (proxy.Token[^1] == 'A' ? 'B' : 'A');
        var (status, body) = await GetAsync(proxy, r => r.Headers.Add("x-api-key", wrong));
        AssertError(status, body, 401, "authentication_error");
        Assert.DoesNotContain(wrong, body.GetRawText());
        Assert.DoesNotContain(proxy.Token, body.GetRawText());
    }

    [Fact]
    public async Task Token_is_accepted_as_x_api_key_and_as_bearer()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions { Token = "a-fixed-token-for-this-test" });
        Assert.Equal("a-fixed-token-for-this-test", proxy.Token);
        var (s1, _) = await GetAsync(proxy, r => r.Headers.Add("x-api-key", proxy.Token));
        var (s2, _) = await GetAsync(proxy, r => r.Headers.Authorization = new("Bearer", proxy.Token));
        Assert.Equal(200, s1);
        Assert.Equal(200, s2);
    }

    [Fact]
    public async Task A_request_with_an_Origin_header_is_refused_even_with_the_token()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var (status, body) = await GetAsync(proxy, r =>
        {
            r.Headers.Add("x-api-key", proxy.Token);
            r.Headers.Add("Origin", "https://evil.example");
        });
        AssertError(status, body, 403, "permission_error");
    }

    [Theory]
    [InlineData("evil.example.com")]
    [InlineData("attacker.test:8080")]
    [InlineData("127.0.0.1.nip.io")]
    public async Task A_non_loopback_Host_is_refused(string host)
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var (status, _) = await GetAsync(proxy, r =>
        {
            r.Headers.Add("x-api-key", proxy.Token);
            r.Headers.Host = host;
        });
        // Either the guard's 403 or the listener's own refusal of a foreign host: never served.
        Assert.True(status is 403 or 400 or 404, $"status {status}");
        Assert.NotEqual(200, status);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task Loopback_names_in_Host_are_served(string name)
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var (status, _) = await GetAsync(proxy, r =>
        {
            r.Headers.Add("x-api-key", proxy.Token);
            r.Headers.Host = $"{name}:{proxy.Port}";
        });
        Assert.Equal(200, status);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.1:4000", true)]
    [InlineData("localhost:4000", true)]
    [InlineData("LOCALHOST", true)]
    [InlineData("[::1]:4000", true)]
    [InlineData("[::1]", true)]
    [InlineData("evil.com", false)]
    [InlineData("localhost.evil.com", false)]
    [InlineData("127.0.0.1:80x", false)]
    [InlineData("[::2]:80", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Loopback_host_names(string? host, bool expected) => Assert.Equal(expected, RequestGuard.IsLoopbackHost(host));

    [Fact]
    public void Generated_tokens_are_random_base64url()
    {
        var a = ProxyToken.Generate();
        var b = ProxyToken.Generate();
        Assert.NotEqual(a, b);
        Assert.Equal(43, a.Length);
        Assert.All(a, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
    }

    [Fact]
    public void Redactor_masks_secret_properties_and_literal_secrets()
    {
        var body = """{"apiKey":"k-123456","nested":{"authorization":"Bearer x"},"text":"my token is sekrit-token-value"}"""u8;
        var redacted = SecretRedactor.Redact(body, ["sekrit-token-value"]);
        Assert.DoesNotContain("k-123456", redacted);
        Assert.DoesNotContain("Bearer x", redacted);
        Assert.DoesNotContain("sekrit-token-value", redacted);
        Assert.Contains("my token is [REDACTED]", redacted);
    }
}
