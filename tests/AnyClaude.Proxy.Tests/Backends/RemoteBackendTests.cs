using System.Net;
using System.Net.Sockets;
using System.Text;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Backends;

/// <summary>Issue 9, remote team servers: OpenAI- and Anthropic-compatible backends over HTTPS with an API key, a
/// certificate the user trusts explicitly (caCertificate), and a clear error when it is not trusted.</summary>
public sealed class RemoteBackendTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"anyclaude-tls-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static ProxyServer StartRemote(BackendMode mode, Uri url, string? caFile, string apiKey = "team-key-0123") =>
        ProxyServer.Start(new ProxyOptions
        {
            Mode = mode,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [mode] = BackendSettings.Default(mode) with { BaseUrl = url, ApiKey = apiKey, CaCertificate = caFile, Model = "qwen/qwen3-8b" },
            },
        });

    [Fact]
    public async Task OpenAI_compatible_over_https_with_a_trusted_self_signed_certificate_and_a_key()
    {
        using var certificate = TestCertificates.SelfSigned("127.0.0.1", "localhost");
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var relay = new TlsRelay(certificate, fake.Port);
        fake.Enqueue(ScriptedReply.WithText("hello over tls"));
        var pem = TestCertificates.WritePem(certificate, _dir);
        await using var proxy = StartRemote(BackendMode.OpenAICompatible, new Uri($"https://127.0.0.1:{relay.Port}/v1"), pem);

        using var client = Client(proxy);
        using var response = await PostMessagesAsync(client, Body(false));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Contains("hello over tls", text);
        Assert.Equal("Bearer team-key-0123", fake.ChatRequests.Single().Headers["Authorization"]);
    }

    [Fact]
    public async Task Anthropic_compatible_over_https_with_a_server_certificate_signed_by_the_team_CA()
    {
        var (ca, server) = TestCertificates.CaAndServer("127.0.0.1");
        using (ca)
        using (server)
        {
            await using var stub = new AnthropicStub(200, "application/json", AnthropicStub.Message);
            await using var relay = new TlsRelay(server, stub.Port);
            var pem = TestCertificates.WritePem(ca, _dir);
            await using var proxy = StartRemote(BackendMode.AnthropicCompatible, new Uri($"https://127.0.0.1:{relay.Port}"), pem);

            using var client = Client(proxy);
            using var response = await PostMessagesAsync(client, Body(false));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            Assert.Contains("Hi from Claude", text);
            var (_, headers, _) = Assert.Single(stub.Received);
            Assert.Equal("team-key-0123", headers["x-api-key"]);
        }
    }

    [Fact]
    public async Task An_untrusted_certificate_is_a_clear_error_naming_the_url_and_the_setting()
    {
        using var certificate = TestCertificates.SelfSigned("127.0.0.1");
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var relay = new TlsRelay(certificate, fake.Port);
        var url = new Uri($"https://127.0.0.1:{relay.Port}/v1");
        await using var proxy = StartRemote(BackendMode.OpenAICompatible, url, caFile: null);

        using var client = Client(proxy);
        var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false));
        AssertError(status, body, 502, "api_error");
        var message = body.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains(url.AbsoluteUri, message);
        Assert.Contains("certificate", message);
        Assert.Contains("backends.openai.caCertificate", message);
        Assert.Contains("-CaCertificate", message);
        Assert.DoesNotContain("not reachable", message);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task A_trusted_file_does_not_excuse_a_host_name_mismatch_or_another_CA()
    {
        using var certificate = TestCertificates.SelfSigned("team-gpu.example");
        using var other = TestCertificates.SelfSigned("127.0.0.1");
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var relay = new TlsRelay(certificate, fake.Port);
        var url = new Uri($"https://127.0.0.1:{relay.Port}/v1");

        await using (var proxy = StartRemote(BackendMode.OpenAICompatible, url, TestCertificates.WritePem(certificate, _dir)))
        {
            using var client = Client(proxy);
            var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false));
            AssertError(status, body, 502, "api_error");
            Assert.Contains("certificate", body.GetProperty("error").GetProperty("message").GetString());
        }

        await using (var proxy = StartRemote(BackendMode.OpenAICompatible, url, TestCertificates.WritePem(other, _dir)))
        {
            using var client = Client(proxy);
            var (status, body) = await PostForJsonAsync(client, "/v1/messages", Body(false));
            AssertError(status, body, 502, "api_error");
            Assert.Contains("It is not signed by the certificates in", body.GetProperty("error").GetProperty("message").GetString());
        }
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public void A_ca_file_that_is_missing_or_not_PEM_is_refused_when_configured()
    {
        var missing = Path.Combine(_dir, "missing.pem");
        var e1 = Assert.Throws<ProxyStartException>(() => StartRemote(BackendMode.OpenAICompatible, new Uri("https://team-gpu.example/v1"), missing));
        Assert.Contains(missing, e1.Message);
        Directory.CreateDirectory(_dir);
        var garbage = Path.Combine(_dir, "garbage.pem");
        File.WriteAllText(garbage, "not a certificate");
        var e2 = Assert.Throws<ProxyStartException>(() => StartRemote(BackendMode.OpenAICompatible, new Uri("https://team-gpu.example/v1"), garbage));
        Assert.Contains("BEGIN CERTIFICATE", e2.Message);
    }

    [Theory]
    [InlineData("http://localhost:1234/v1", false)]
    [InlineData("http://127.0.0.1:1234/v1", false)]
    [InlineData("http://127.1.2.3:8081/v1", false)]
    [InlineData("http://[::1]:8081/v1", false)]
    [InlineData("http://api.localhost:8081/v1", false)]
    [InlineData("https://team-gpu.example:8443/v1", true)]
    [InlineData("http://gpu-box:1234/v1", true)]
    [InlineData("http://192.168.1.20:1234/v1", true)]
    [InlineData("https://api.anthropic.com", true)]
    public void The_system_proxy_is_used_for_every_host_but_loopback(string url, bool useProxy)
    {
        var settings = BackendSettings.Default(BackendMode.OpenAICompatible) with { BaseUrl = new Uri(url) };
        Assert.Equal(useProxy, BackendHttp.UsesSystemProxy(settings));
        Assert.Equal(!useProxy, settings.IsLoopback);
    }

    [Theory]
    [InlineData("http://localhost:1234/v1", 0, 1)]
    [InlineData("http://127.0.0.1:8081/v1", 0, 1)]
    [InlineData("https://team-gpu.example:8443/v1", 0, BackendSettings.RemoteDefaultConcurrency)]
    [InlineData("https://team-gpu.example:8443/v1", 2, 2)]
    [InlineData("http://localhost:1234/v1", 3, 3)]
    public void Concurrency_defaults_to_1_for_loopback_and_more_for_remote(string url, int configured, int effective)
    {
        var settings = BackendSettings.Default(BackendMode.OpenAICompatible) with { BaseUrl = new Uri(url), MaxConcurrency = configured };
        Assert.Equal(effective, settings.EffectiveMaxConcurrency);
    }
}

/// <summary>HttpClient.DefaultProxy is process-wide: these run alone.</summary>
[CollectionDefinition(nameof(SystemProxyCollection), DisableParallelization = true)]
public sealed class SystemProxyCollection;

[Collection(nameof(SystemProxyCollection))]
public sealed class SystemProxyTests
{
    /// <summary>A system proxy that sends every host to one capture listener, and bypasses nothing itself (so the
    /// test sees what the proxy's own loopback rule does).</summary>
    private sealed class CaptureProxy(Uri address) : IWebProxy
    {
        public ICredentials? Credentials { get; set; }
        public Uri GetProxy(Uri destination) => address;
        public bool IsBypassed(Uri host) => false;
    }

    [Fact]
    public async Task A_remote_backend_goes_through_the_system_proxy_and_a_loopback_one_never_does()
    {
        var capture = new TcpListener(IPAddress.Loopback, 0);
        capture.Start();
        var captured = new List<string>();
        var loop = Task.Run(async () =>
        {
            while (true)
            {
                TcpClient c;
                try { c = await capture.AcceptTcpClientAsync(); } catch (Exception) { return; }
                using (c)
                {
                    var stream = c.GetStream();
                    var buffer = new byte[8192];
                    var head = new StringBuilder();
                    while (!head.ToString().Contains("\r\n\r\n"))
                    {
                        var n = await stream.ReadAsync(buffer);
                        if (n == 0) break;
                        head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    }
                    lock (captured) captured.Add(head.ToString());
                    var reply = "{\"error\":{\"message\":\"proxy says no\"}}";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {reply.Length}\r\nConnection: close\r\n\r\n{reply}"));
                }
            }
        });
        var previous = HttpClient.DefaultProxy;
        var proxyUri = new Uri($"http://127.0.0.1:{((IPEndPoint)capture.LocalEndpoint).Port}");
        try
        {
            await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
            fake.Enqueue(ScriptedReply.WithText("local answer"));
            await using var proxy = ProxyServer.Start(new ProxyOptions
            {
                Mode = BackendMode.LmStudio,
                Backends = new Dictionary<BackendMode, BackendSettings>
                {
                    [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(fake.BaseUrl) },
                    [BackendMode.OpenAICompatible] = BackendSettings.Default(BackendMode.OpenAICompatible) with
                    {
                        BaseUrl = new Uri("http://team-gpu.invalid:8000/v1"), ApiKey = "team-key", Model = "m",
                    },
                },
            });
            // The test's own client talks to the proxy directly.
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = proxy.BaseUrl };
            client.DefaultRequestHeaders.Add("x-api-key", proxy.Token);
            HttpClient.DefaultProxy = new CaptureProxy(proxyUri);

            using (var local = await client.PostAsync("/v1/messages", Json(Body(false))))
                Assert.Contains("local answer", await local.Content.ReadAsStringAsync());
            using (var remote = await client.PostAsync("/v1/messages", Json(Body(false, model: "openai"))))
                Assert.Contains("proxy says no", await remote.Content.ReadAsStringAsync());

            string line;
            lock (captured) line = Assert.Single(captured);
            Assert.StartsWith("POST http://team-gpu.invalid:8000/v1/chat/completions HTTP/1.1", line);
            Assert.Contains("Authorization: Bearer team-key", line);
            Assert.Single(fake.ChatRequests);
        }
        finally
        {
            HttpClient.DefaultProxy = previous;
            capture.Stop();
            await loop;
        }
    }
}
