using System.Net;
using System.Net.Http.Headers;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Security;
using AnyClaude.Proxy.Tests.Backends;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Security;

/// <summary>
/// Issue 9, trust boundaries. Claude Code hands ANTHROPIC_AUTH_TOKEN (the data-plane token) to every process it
/// starts, so that token must not open the control endpoints, and nothing that reaches the control endpoints may
/// send the user's keys to a URL of its choosing.
/// </summary>
public sealed class TrustBoundaryTests
{
    private const string UserAnthropicKey = "sk-ant-user-real-key-0123456789";
    private const string UserLmStudioKey = "lmstudio-user-key-0123456789";

    /// <summary>A proxy whose Claude and LmStudio modes hold the user's keys, as Start-AnyClaude configures them.</summary>
    private static ProxyServer StartWithUserKeys() => ProxyServer.Start(new ProxyOptions
    {
        Mode = BackendMode.MlxLm,
        Backends = new Dictionary<BackendMode, BackendSettings>
        {
            [BackendMode.Claude] = BackendSettings.Default(BackendMode.Claude) with { ApiKey = UserAnthropicKey },
            [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { ApiKey = UserLmStudioKey },
        },
    });

    private static HttpClient ClientWith(ProxyServer proxy, string token, bool bearer)
    {
        var client = new HttpClient { BaseAddress = proxy.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (bearer) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        else client.DefaultRequestHeaders.Add("x-api-key", token);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        return client;
    }

    private static async Task<(int Status, string Body)> SendAsync(HttpClient client, string method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null) request.Content = Json(json);
        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("GET", "/anyclaude/status", false)]
    [InlineData("GET", "/anyclaude/requests", false)]
    [InlineData("POST", "/anyclaude/mode", false)]
    [InlineData("POST", "/anyclaude/mode", true)]
    [InlineData("GET", "/anyclaude/not-yet-an-endpoint", false)]
    [InlineData("GET", "/anyclaude", true)]
    [InlineData("GET", "/ANYCLAUDE/status", false)]
    [InlineData("GET", "/v1/../anyclaude/status", false)]
    [InlineData("GET", "/%61nyclaude/status", false)]
    public async Task The_data_plane_token_opens_no_control_endpoint(string method, string path, bool bearer)
    {
        await using var proxy = StartWithUserKeys();
        using var client = ClientWith(proxy, proxy.Token, bearer);
        var (status, body) = await SendAsync(client, method, path, method == "POST" ? """{"mode":"claude","baseUrl":"http://127.0.0.1:9"}""" : null);
        Assert.True(status is 401 or 403 or 404, $"{method} {path} answered {status}: {body}");
        Assert.DoesNotContain("\"backends\"", body);
        Assert.Equal(BackendMode.MlxLm, proxy.Mode);
        Assert.Equal(BackendSettings.Default(BackendMode.Claude).BaseUrl, proxy.GetBackend(BackendMode.Claude).BaseUrl);
        if (path == "/anyclaude/status")
            Assert.Contains("control token", body);
    }

    [Fact]
    public async Task The_control_token_opens_the_control_endpoints_but_not_the_api()
    {
        await using var proxy = StartWithUserKeys();
        Assert.NotEqual(proxy.Token, proxy.ControlToken);
        using var control = ClientWith(proxy, proxy.ControlToken, bearer: true);
        var (statusOk, _) = await SendAsync(control, "GET", "/anyclaude/status");
        Assert.Equal(200, statusOk);
        var (status, body) = await SendAsync(control, "POST", "/v1/messages", Body(false));
        AssertError(status, JsonDocument.Parse(body).RootElement, 403, "permission_error");
        var (models, _) = await SendAsync(control, "GET", "/v1/models");
        Assert.Equal(403, models);
    }

    /// <summary>The adversarial run of issue 9, as a process holding only ANTHROPIC_AUTH_TOKEN would do it.
    /// On the old code the listener received x-api-key: the user's key, and Authorization: Bearer the LM Studio key.</summary>
    [Theory]
    [InlineData("claude")]
    [InlineData("lmstudio")]
    public async Task Adversarial_run_with_the_data_plane_token_delivers_no_key(string mode)
    {
        await using var listener = new AnthropicStub(200, "application/json", AnthropicStub.Message);
        await using var proxy = StartWithUserKeys();
        using var client = ClientWith(proxy, proxy.Token, bearer: false);
        var (switchStatus, _) = await SendAsync(client, "POST", "/anyclaude/mode", $$"""{"mode":"{{mode}}","baseUrl":"{{listener.BaseUrl}}"}""");
        Assert.Equal(403, switchStatus);
        using (await PostMessagesAsync(client, Body(false, text: "the user's secret prompt"))) { }
        Assert.Empty(listener.Received);
        Assert.Equal(BackendMode.MlxLm, proxy.Mode);
    }

    /// <summary>Even with the control token, a URL changed over the control endpoint carries no key unless the
    /// request gives one with it.</summary>
    [Theory]
    [InlineData("claude", BackendMode.Claude)]
    [InlineData("lmstudio", BackendMode.LmStudio)]
    public async Task A_control_request_cannot_redirect_the_users_key(string mode, BackendMode expected)
    {
        await using var listener = new AnthropicStub(200, "application/json", AnthropicStub.Message);
        await using var proxy = StartWithUserKeys();
        using var control = ClientWith(proxy, proxy.ControlToken, bearer: true);
        var (status, body) = await SendAsync(control, "POST", "/anyclaude/mode", $$"""{"mode":"{{mode}}","baseUrl":"{{listener.BaseUrl}}"}""");
        Assert.True(status == 200, body);
        Assert.Equal(expected, proxy.Mode);
        Assert.Null(proxy.ActiveBackend.ApiKey);

        using var client = Client(proxy);
        using (var response = await PostMessagesAsync(client, Body(false)))
        {
            // LM Studio mode sends the request without a key; Claude mode refuses to send one without a key at all.
            // 502 with x-should-retry: false (ApiException.Permanent), not 401: Claude Code would take a 401 for its own login.
            if (expected == BackendMode.Claude) Assert.Equal(502, (int)response.StatusCode);
            else Assert.Contains(listener.Received, r => r.Target.EndsWith("/chat/completions", StringComparison.Ordinal));
        }
        foreach (var (_, headers, _) in listener.Received)
        {
            Assert.DoesNotContain(headers, h => h.Value.Contains(UserAnthropicKey) || h.Value.Contains(UserLmStudioKey));
            Assert.False(headers.ContainsKey("x-api-key"), "no x-api-key");
            Assert.False(headers.ContainsKey("Authorization"), "no Authorization");
        }
    }

    [Fact]
    public async Task A_key_given_with_the_new_url_goes_there_and_the_old_key_stays_where_it_was_configured()
    {
        await using var listener = new AnthropicStub(200, "application/json", AnthropicStub.Message);
        await using var proxy = StartWithUserKeys();
        using var control = ClientWith(proxy, proxy.ControlToken, bearer: false);
        var (status, body) = await SendAsync(control, "POST", "/anyclaude/mode", $$"""{"mode":"claude","baseUrl":"{{listener.BaseUrl}}","apiKey":"sk-given-with-the-url"}""");
        Assert.True(status == 200, body);
        using var client = Client(proxy);
        using (await PostMessagesAsync(client, Body(false))) { }
        var (_, headers, _) = Assert.Single(listener.Received);
        Assert.Equal("sk-given-with-the-url", headers["x-api-key"]);

        // A control request that keeps the URL (another window changing only the model) keeps the key.
        var (s2, b2) = await SendAsync(control, "POST", "/anyclaude/mode", $$"""{"mode":"claude","baseUrl":"{{listener.BaseUrl}}","model":"claude-opus-4-1"}""");
        Assert.True(s2 == 200, b2);
        Assert.Equal("sk-given-with-the-url", proxy.GetBackend(BackendMode.Claude).ApiKey);
        Assert.Equal(UserLmStudioKey, proxy.GetBackend(BackendMode.LmStudio).ApiKey);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.8.9.10", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("192.0.2.2", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("::ffff:192.168.1.2", false)]
    [InlineData("fe80::1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::", false)]
    public void Loopback_peer_addresses(string address, bool loopback)
    {
        Assert.Equal(loopback, RequestGuard.IsLoopbackPeer(IPAddress.Parse(address)));
        var refusal = RequestGuard.CheckPeer(new IPEndPoint(IPAddress.Parse(address), 50000));
        Assert.Equal(loopback, refusal is null);
        if (refusal is not null) Assert.Equal((403, "permission_error"), (refusal.Status, refusal.ErrorType));
    }

    [Fact]
    public void An_unknown_peer_is_refused() => Assert.NotNull(RequestGuard.CheckPeer(null));

    /// <summary>A real connection from a non-loopback address of this machine to the proxy's 127.0.0.1 port (Linux
    /// routes it over lo), with a loopback Host header and the right token: refused on the peer address alone.</summary>
    [SkippableFact]
    public async Task A_connection_from_a_non_loopback_local_address_is_refused()
    {
        var local = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Skip.If(local is null, "This machine has no non-loopback IPv4 address to connect from.");
        await using var proxy = ProxyServer.Start(new ProxyOptions());

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(local!, 0));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, proxy.Port));
        }
        catch (SocketException e)
        {
            Skip.If(true, $"The kernel does not route {local} → 127.0.0.1 here ({e.SocketErrorCode}); the unit test of the check still runs.");
        }
        Assert.Equal(local, ((IPEndPoint)socket.LocalEndPoint!).Address);
        var request = $"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:{proxy.Port}\r\nx-api-key: {proxy.Token}\r\nConnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var response = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0) response.Write(buffer, 0, n);
        var text = Encoding.UTF8.GetString(response.ToArray());
        Assert.StartsWith("HTTP/1.1 403", text);
        Assert.Contains("\"permission_error\"", text);
        Assert.Contains("loopback", text);
        Assert.DoesNotContain("\"data\"", text);
    }
}

/// <summary>The adversarial run as it happened: the user's key was in the proxy process's ANTHROPIC_API_KEY, which the
/// engine used as a fallback for any Claude URL. Runs alone (process environment).</summary>
[Collection(nameof(Control.StateDirCollection))]
public sealed class EnvironmentKeyTests
{
    [Fact]
    public async Task The_process_ANTHROPIC_API_KEY_never_follows_a_url_changed_over_control()
    {
        const string envKey = "sk-ant-from-the-environment-0123456789";
        var previous = Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY");
        Environment.SetEnvironmentVariable("ANTHROPIC_API_KEY", envKey);
        try
        {
            await using var listener = new AnthropicStub(200, "application/json", AnthropicStub.Message);
            await using var proxy = ProxyServer.Start(new ProxyOptions());
            using var control = ControlClient(proxy);
            var (status, body) = await PostForJsonAsync(control, "/anyclaude/mode", $$"""{"mode":"claude","baseUrl":"{{listener.BaseUrl}}"}""");
            Assert.True(status == 200, body.GetRawText());
            using var client = Client(proxy);
            using (var response = await PostMessagesAsync(client, Body(false))) Assert.Equal(502, (int)response.StatusCode);
            Assert.DoesNotContain(listener.Received, r => r.Headers.Values.Any(v => v.Contains(envKey)));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ANTHROPIC_API_KEY", previous);
        }
    }
}
