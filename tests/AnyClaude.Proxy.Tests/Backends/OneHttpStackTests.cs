using System.Net;
using System.Net.Sockets;
using System.Text;
using AnyClaude.Diagnostics;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Control;
using Xunit;

namespace AnyClaude.Proxy.Tests.Backends;

/// <summary>Issue 12: one HTTP client stack (<see cref="BackendHttp"/>) for the proxy, the diagnostics, the model
/// listing and the control client, so each honours what the proxy's own calls honour.</summary>
public sealed class OneHttpStackTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"anyclaude-stack-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Backend_checks_trust_the_modes_CaCertificate_as_the_proxy_does()
    {
        // Before: the diagnostics had a client of their own that ignored caCertificate and refused the certificate.
        await using var backend = new TlsBackend(_dir);
        var settings = backend.Settings with { Model = "qwen/qwen3-8b" };
        var results = await BackendCheckRunner.RunAllAsync(new BackendCheckOptions { Backend = settings, CachePromptTokens = 3000 },
            new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);

        var server = results.Single(r => r.Check == CheckNames.Server);
        Assert.True(server.Status == CheckStatus.Passed, $"{server.Status}: {server.Detail}");
        var chat = results.Single(r => r.Check == CheckNames.Chat);
        Assert.True(chat.Status == CheckStatus.Passed, $"{chat.Status}: {chat.Detail}");
    }

    [Fact]
    public async Task The_model_listing_lists_over_https_with_the_CaCertificate_and_sends_the_key()
    {
        await using var backend = new TlsBackend(_dir);

        var ids = await ModelDiscovery.GetAsync(BackendHttp.Shared, backend.Settings with { ApiKey = "team-key-0123" }, TimeSpan.FromSeconds(30));

        Assert.Contains("qwen/qwen3-8b", ids);
        Assert.Equal("Bearer team-key-0123", backend.Fake.Requests.Last(r => r.Path.EndsWith("/models", StringComparison.Ordinal)).Headers["Authorization"]);
    }

    [Fact]
    public async Task The_model_listing_never_follows_a_redirect_so_the_key_stays_with_its_url()
    {
        await using var elsewhere = new OneShotServer(_ => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"data\":[]}");
        await using var backend = new OneShotServer(_ =>
            $"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{elsewhere.Port}/v1/models\r\nContent-Length: 0\r\n\r\n");
        var settings = BackendSettings.Default(BackendMode.LmStudio) with
        {
            BaseUrl = new Uri($"http://127.0.0.1:{backend.Port}/v1"),
            ApiKey = "lm-key",
        };

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => ModelDiscovery.GetAsync(BackendHttp.Shared, settings, TimeSpan.FromSeconds(30)));

        Assert.Equal(HttpStatusCode.Found, e.StatusCode);
        Assert.Contains("Authorization: Bearer lm-key", backend.Received.Single());
        Assert.Empty(elsewhere.Received);
    }

    [Fact]
    public async Task The_control_client_never_follows_a_redirect_with_the_control_token()
    {
        // Before: the control client's own HttpClient followed redirects (to wherever a squatter on the port pointed).
        await using var elsewhere = new OneShotServer(_ => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        await using var squatter = new OneShotServer(_ =>
            $"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{elsewhere.Port}/anyclaude/status\r\nContent-Length: 0\r\n\r\n");
        var state = new ProxyState(Environment.ProcessId, squatter.Port, "control-token", new Uri($"http://127.0.0.1:{squatter.Port}/"), DateTimeOffset.Now);

        var e = await Assert.ThrowsAsync<ProxyControlException>(() => new ProxyControlClient(state).GetStatusAsync());

        Assert.Contains("HTTP 307", e.Message);
        Assert.Contains("Authorization: Bearer control-token", squatter.Received.Single());
        Assert.Empty(elsewhere.Received);
    }

    /// <summary>A fake LM Studio behind HTTPS with a self-signed certificate, and OpenAICompatible settings that
    /// trust it through caCertificate.</summary>
    private sealed class TlsBackend : IAsyncDisposable
    {
        private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _certificate = TestCertificates.SelfSigned("127.0.0.1");
        private readonly TlsRelay _relay;

        public TlsBackend(string directory)
        {
            Fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = "qwen/qwen3-8b" });
            _relay = new TlsRelay(_certificate, Fake.Port);
            Settings = BackendSettings.Default(BackendMode.OpenAICompatible) with
            {
                BaseUrl = new Uri($"https://127.0.0.1:{_relay.Port}/v1"),
                CaCertificate = TestCertificates.WritePem(_certificate, directory),
            };
        }

        public FakeOpenAiServer Fake { get; }
        public BackendSettings Settings { get; }

        public async ValueTask DisposeAsync()
        {
            await _relay.DisposeAsync();
            await Fake.DisposeAsync();
            _certificate.Dispose();
        }
    }

    /// <summary>A loopback HTTP server that answers each connection's first request with a canned response and keeps
    /// what it received (raw sockets: nothing in between hides a header).</summary>
    private sealed class OneShotServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _received = new();

        public OneShotServer(Func<string, string> respond)
        {
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var stream = client.GetStream();
                    var buffer = new byte[16 * 1024];
                    var head = new StringBuilder();
                    while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var n = await stream.ReadAsync(buffer, _stop.Token);
                        if (n == 0) break;
                        head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    }
                    var request = head.ToString();
                    _received.Enqueue(request);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(respond(request)), _stop.Token);
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public IReadOnlyList<string> Received => _received.ToArray();

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            try { await _loop; } catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
            _stop.Dispose();
        }
    }
}
