using System.Net.Sockets;
using System.Text;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Security;
using Xunit;

namespace AnyClaude.Proxy.Tests.Security;

/// <summary>
/// Issue 9 review: an attacker holding only the data-plane token (ANTHROPIC_AUTH_TOKEN) tries request targets
/// and headers HttpClient would normalise away (raw sockets), and secrets try to leak through backend errors and
/// traced bodies.
/// </summary>
public sealed class AdversarialReviewTests
{
    private const string TeamKey = "team+key/with=base64+chars0123";

    private static async Task<string> RawAsync(ProxyServer proxy, string requestText)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync("127.0.0.1", proxy.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(requestText));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var read = reader.ReadToEndAsync();
        var done = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.Same(read, done);
        return await read;
    }

    /// <summary>Request targets in every form the listener accepts, all aiming at the control plane.</summary>
    [Theory]
    [InlineData("GET http://127.0.0.1:{port}/anyclaude/status HTTP/1.1")]
    [InlineData("GET http://localhost:{port}/anyclaude/requests HTTP/1.1")]
    [InlineData("GET //anyclaude/status HTTP/1.1")]
    [InlineData("GET /anyclaude//status HTTP/1.1")]
    [InlineData("GET /v1/../anyclaude/status HTTP/1.1")]
    [InlineData("GET /v1/%2e%2e/anyclaude/status HTTP/1.1")]
    [InlineData("GET /v1/%2E%2E%2Fanyclaude%2Fstatus HTTP/1.1")]
    [InlineData("GET /./anyclaude/status HTTP/1.1")]
    [InlineData("GET /%61nyclaude/status HTTP/1.1")]
    [InlineData("GET /anyclaude%2fstatus HTTP/1.1")]
    [InlineData("GET /anyclaude/status. HTTP/1.1")]
    [InlineData("GET /anyclaude/status/ HTTP/1.1")]
    [InlineData("GET /anyclaude/status?x=1 HTTP/1.1")]
    [InlineData("GET /anyclaude/status;x HTTP/1.1")]
    [InlineData("GET /anyclaude/status%00 HTTP/1.1")]
    [InlineData("GET /Anyclaude/status HTTP/1.1")]
    [InlineData("GET \\anyclaude\\status HTTP/1.1")]
    [InlineData("POST /v1/..%2fanyclaude/mode HTTP/1.1")]
    public async Task No_request_target_opens_a_control_endpoint_with_the_data_plane_token(string requestLine)
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var line = requestLine.Replace("{port}", proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        const string Body = """{"mode":"claude","baseUrl":"http://127.0.0.1:9"}""";
        var post = line.StartsWith("POST", StringComparison.Ordinal);
        var text = $"{line}\r\nHost: 127.0.0.1:{proxy.Port}\r\nx-api-key: {proxy.Token}\r\nConnection: close\r\n" +
                   (post ? $"Content-Type: application/json\r\nContent-Length: {Body.Length}\r\n\r\n{Body}" : "\r\n");
        var response = await RawAsync(proxy, text);
        Assert.DoesNotMatch(@"^HTTP/1\.1 2\d\d", response);
        Assert.DoesNotContain("\"backends\"", response);
        Assert.DoesNotContain("\"data\"", response);
        Assert.Equal(BackendSettings.Default(BackendMode.Claude).BaseUrl, proxy.GetBackend(BackendMode.Claude).BaseUrl);
    }

    /// <summary>Header tricks with the data-plane token alone. A request carrying both headers is judged by
    /// x-api-key alone. (The managed listener keeps the last of repeated headers, http.sys joins them; either
    /// way a repeated header only opens the control plane when it carries the control token itself.)</summary>
    [Theory]
    [InlineData("x-api-key: {data}\r\nAuthorization: Bearer {control}")]
    [InlineData("x-api-key: {data}\r\nx-api-key: {data}")]
    [InlineData("Authorization: Bearer {data}\r\nAuthorization: Bearer {data}")]
    [InlineData("Authorization: Basic {data}")]
    [InlineData("Authorization: Bearer {data}{data}")]
    [InlineData("x-api-key: {data}\r\nAuthorization: Bearer {data}")]
    [InlineData("x-api-key:  {data}  ")]
    [InlineData("X-API-KEY: {data}")]
    public async Task Header_combinations_do_not_mix_the_planes(string headers)
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var h = headers.Replace("{data}", proxy.Token).Replace("{control}", proxy.ControlToken);
        var response = await RawAsync(proxy, $"GET /anyclaude/status HTTP/1.1\r\nHost: 127.0.0.1:{proxy.Port}\r\n{h}\r\nConnection: close\r\n\r\n");
        Assert.DoesNotMatch(@"^HTTP/1\.1 2\d\d", response);
        Assert.DoesNotContain(proxy.ControlToken, response);
        Assert.DoesNotContain(proxy.Token, response);
    }

    /// <summary>A remote server that echoes the key it refused ("Incorrect API key provided: …") must not hand
    /// the team key to Claude Code (and every process it starts), nor to the request records.</summary>
    [Fact]
    public void A_backend_error_that_echoes_the_key_does_not_pass_it_on()
    {
        var backend = BackendSettings.Default(BackendMode.OpenAICompatible) with { BaseUrl = new Uri("https://llm.example.test/v1"), ApiKey = TeamKey };
        var body = Encoding.UTF8.GetBytes("""{"error":{"message":"Incorrect API key provided: """ + TeamKey + """. Check it.","type":"invalid_request_error"}}""");
        var error = BackendErrors.FromStatus(backend, 401, body, 0, 100);
        Assert.Equal(502, error.Status); // backend credentials: not Claude Code's own 401 (issue 9)
        Assert.DoesNotContain(TeamKey, error.Message);
        Assert.Contains(SecretRedactor.Mask, error.Message);
    }

    /// <summary>The JSON rewrite escapes '+' (and other HTML-sensitive characters) as \u002B, so a key with such
    /// characters was no longer found literally and reached the trace.</summary>
    [Fact]
    public void A_key_with_characters_JSON_escapes_is_still_redacted_in_traced_bodies()
    {
        var body = Encoding.UTF8.GetBytes("""{"messages":[{"role":"user","content":"my key is """ + TeamKey + """ <b>&"}]}""");
        var redacted = SecretRedactor.Redact(body, [TeamKey]);
        Assert.DoesNotContain(TeamKey, System.Text.RegularExpressions.Regex.Unescape(redacted));
        Assert.Contains(SecretRedactor.Mask, redacted);
    }

    /// <summary>The trace holds whole conversations (prompts, code, tool output) at Debug: another local user must
    /// not read it. A new trace file is created for the user alone.</summary>
    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_new_trace_file_is_readable_by_the_user_only()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix permissions.");
        var dir = Path.Combine(Path.GetTempPath(), $"anyclaude-trace-{Guid.NewGuid():N}");
        try
        {
            var path = Path.Combine(dir, "trace.jsonl");
            var proxy = ProxyServer.Start(new ProxyOptions { TracePath = path, TraceLevel = TraceLevel.Debug });
            await RawAsync(proxy, $"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:{proxy.Port}\r\nConnection: close\r\n\r\n");
            await proxy.StopAsync();
            Assert.True(File.Exists(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
