using System.Text;
using System.Text.Json;
using Xunit;

namespace AnyClaude.Proxy.Tests.Hosting;

/// <summary>Issue 8, item 3: text that cannot be text is the client's error (400 naming the field), never a 500
/// that Claude Code would retry. Raw bytes, since HttpClient's StringContent would repair them.</summary>
public sealed class BadRequestTextTests
{
    private static byte[] RequestBytes(RawBackendHolder h, string path, byte[] body) =>
        [.. Encoding.ASCII.GetBytes(RawClient.Post(h.Proxy, path, "", contentLength: body.Length)), .. body];

    public static TheoryData<string, string> Cases => new()
    {
        { "/v1/messages", "utf8" }, { "/v1/messages", "surrogate" }, { "/v1/messages/count_tokens", "utf8" }, { "/v1/messages/count_tokens", "surrogate" },
        { "/v1/messages", "system-surrogate" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Invalid_text_in_a_request_is_a_400_that_names_the_field(string path, string kind)
    {
        await using var h = await RawBackendHolder.StartAsync();
        var body = kind switch
        {
            "utf8" => [.. "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"caf"u8, 0xC3, 0x28, .. "\"}]}"u8],
            "surrogate" => "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"half \\ud800 pair\"}]}]}"u8.ToArray(),
            _ => "{\"model\":\"m\",\"max_tokens\":10,\"system\":[{\"type\":\"text\",\"text\":\"\\udc00x\"}],\"messages\":[{\"role\":\"user\",\"content\":\"ok \\ud83d\\ude00\"}]}"u8.ToArray(),
        };
        var result = await RawClient.ExchangeAsync(h.Proxy, RequestBytes(h, path, body), TimeSpan.FromSeconds(30));
        Assert.Equal(400, result.Status);
        var error = JsonDocument.Parse(result.Body).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        var expectedField = kind switch { "utf8" => "messages[0].content:", "surrogate" => "messages[0].content[0].text:", _ => "system[0].text:" };
        Assert.StartsWith(expectedField, error.GetProperty("message").GetString());
        Assert.True(h.Backend.Requests.IsEmpty);
    }

    [Fact]
    public async Task A_valid_surrogate_pair_escape_is_accepted()
    {
        await using var h = await RawBackendHolder.StartAsync();
        var body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"smile \\ud83d\\ude00\"}]}"u8.ToArray();
        var result = await RawClient.ExchangeAsync(h.Proxy, RequestBytes(h, "/v1/messages/count_tokens", body), TimeSpan.FromSeconds(30));
        Assert.Equal(200, result.Status);
        Assert.True(JsonDocument.Parse(result.Body).RootElement.GetProperty("input_tokens").GetInt32() > 0);
    }
}

/// <summary>A proxy in front of a raw backend that answers one short stream.</summary>
internal sealed class RawBackendHolder : IAsyncDisposable
{
    public required RawBackend Backend { get; init; }
    public required AnyClaude.Proxy.Hosting.ProxyServer Proxy { get; init; }

    public static Task<RawBackendHolder> StartAsync()
    {
        var backend = new RawBackend(async (s, ct) =>
        {
            await s.WriteAsync(RawBackend.SseHead, ct);
            await s.WriteAsync(RawBackend.Chunk("ok", "stop"), ct);
        });
        return Task.FromResult(new RawBackendHolder { Backend = backend, Proxy = backend.StartProxy() });
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
