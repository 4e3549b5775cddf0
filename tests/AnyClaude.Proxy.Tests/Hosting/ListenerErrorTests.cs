using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using Xunit;

namespace AnyClaude.Proxy.Tests.Hosting;

/// <summary>Issue 8, item 6: errors decided by the listener itself. Those that reach the proxy (a body that ends
/// early: HonestFailureTests) get the Anthropic error shape; those the managed listener answers itself, before the proxy
/// sees a request (foreign Host, Host [::1], oversized headers, bad Content-Length, no length, broken chunked encoding),
/// are pinned here as they are: HTML refusals, never a success (README, "Security").</summary>
public sealed class ListenerErrorTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    private static string Head(ProxyServer proxy, string method, string extra, string host = "127.0.0.1") =>
        $"{method} /v1/messages HTTP/1.1\r\nHost: {host}:{proxy.Port}\r\nConnection: close\r\nx-api-key: {proxy.Token}\r\n{extra}\r\n";

    [SkippableTheory]
    [InlineData("foreign-host", 404)]
    [InlineData("oversized-headers", 400)]
    [InlineData("bad-content-length", 400)]
    [InlineData("no-length", 411)]
    [InlineData("bad-chunked", 400)]
    [InlineData("ipv6-host", 400)]
    public async Task What_the_managed_listener_answers_itself_is_a_refusal_never_a_success(string kind, int expected)
    {
        Skip.If(OperatingSystem.IsWindows(), "http.sys answers these itself, with its own statuses");
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var request = kind switch
        {
            "foreign-host" => Head(proxy, "POST", "Content-Length: 2\r\n", host: "evil.example") + "{}",
            "oversized-headers" => Head(proxy, "POST", $"X-Big: {new string('a', 40 * 1024)}\r\nContent-Length: 2\r\n") + "{}",
            "bad-content-length" => Head(proxy, "POST", "Content-Length: twelve\r\n") + "{}",
            "bad-chunked" => Head(proxy, "POST", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n") + "5\r\n{\"mod\r\nzz-not-a-size\r\n\r\n",
            // The managed listener cannot bind an IPv6 literal prefix (it parses the first ':' inside "[::1]" as the port's),
            // and refuses a Host naming [::1] on the 127.0.0.1 socket with 400.
            "ipv6-host" => Head(proxy, "POST", "Content-Length: 2\r\n", host: "[::1]") + "{}",
            _ => Head(proxy, "POST", ""),
        };
        var result = await RawClient.ExchangeAsync(proxy, request, s_wait);
        Assert.Equal(expected, result.Status);
        // Some of these (no length, broken chunks) reach the proxy too, after the listener has answered: their records say so.
        Assert.All(proxy.GetRecords(), r => Assert.NotEqual(200, r.Status));
        Assert.DoesNotContain("\"type\":\"message\"", result.Body);
    }
}
