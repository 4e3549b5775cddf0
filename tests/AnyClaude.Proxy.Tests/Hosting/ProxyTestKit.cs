using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using Xunit;

namespace AnyClaude.Proxy.Tests.Hosting;

/// <summary>Starting a proxy in front of a fake backend and talking to it over real loopback HTTP.</summary>
internal static class ProxyTestKit
{
    public static ProxyServer StartProxy(FakeOpenAiServer fake, BackendMode mode = BackendMode.LmStudio,
        Func<ProxyOptions, ProxyOptions>? tweak = null, Func<BackendSettings, BackendSettings>? backend = null)
    {
        var settings = BackendSettings.Default(mode) with { BaseUrl = new Uri(fake.BaseUrl) };
        if (backend is not null) settings = backend(settings);
        var options = new ProxyOptions
        {
            Mode = mode,
            Backends = new Dictionary<BackendMode, BackendSettings> { [mode] = settings },
        };
        if (tweak is not null) options = tweak(options);
        return ProxyServer.Start(options);
    }

    public static HttpClient Client(ProxyServer proxy, bool bearer = false)
    {
        var client = new HttpClient { BaseAddress = proxy.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        if (bearer) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", proxy.Token);
        else client.DefaultRequestHeaders.Add("x-api-key", proxy.Token);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        return client;
    }

    /// <summary>A client carrying the control token (the /anyclaude/… endpoints), as another pwsh window would.</summary>
    public static HttpClient ControlClient(ProxyServer proxy)
    {
        var client = new HttpClient { BaseAddress = proxy.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", proxy.ControlToken);
        return client;
    }

    /// <summary>One user message (<see cref="Conversation.Ask"/> with this kit's defaults).</summary>
    public static string Body(bool stream, string text = "Hello", string model = "claude-sonnet-4-5", int maxTokens = 1024, string? extra = null) =>
        Conversation.Ask(text, stream, model, maxTokens, extra);

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> PostMessagesAsync(HttpClient client, string json, CancellationToken ct = default) =>
        client.PostAsync("/v1/messages?beta=true", Json(json), ct);

    public static async Task<(int Status, JsonElement Body)> PostForJsonAsync(HttpClient client, string path, string json)
    {
        using var response = await client.PostAsync(path, Json(json));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The events of an SSE body: (event name, data JSON).</summary>
    public static List<(string Event, JsonElement Data)> Events(string sse)
    {
        var list = new List<(string, JsonElement)>();
        string? name = null;
        foreach (var line in Translation.SseText.Lines(sse))
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                list.Add((name ?? "", JsonDocument.Parse(line[6..]).RootElement.Clone()));
                name = null;
            }
        }
        return list;
    }

    public static string TextOf(List<(string Event, JsonElement Data)> events) =>
        string.Concat(events.Where(e => e.Event == "content_block_delta" && e.Data.GetProperty("delta").GetProperty("type").GetString() == "text_delta")
            .Select(e => e.Data.GetProperty("delta").GetProperty("text").GetString()));

    public static void AssertError(int status, JsonElement body, int expectedStatus, string expectedType)
    {
        Assert.Equal(expectedStatus, status);
        Assert.Equal("error", body.GetProperty("type").GetString());
        Assert.Equal(expectedType, body.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("error").GetProperty("message").GetString()));
    }

    /// <summary>Waits (bounded) until a condition holds; for state that settles asynchronously (records, cancellation).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }
}
