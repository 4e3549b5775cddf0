using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace AnyClaude.Proxy.Tests.FakeBackend;

/// <summary>Plain-HTTP helpers for pinning the fake's behaviour without the proxy in between.</summary>
internal static class FakeHttp
{
    public static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static Task<HttpResponseMessage> PostAsync(string url, string json) =>
        Client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<(int Status, string Body)> PostForTextAsync(string url, string json)
    {
        using var response = await PostAsync(url, json);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<JsonElement> PostForJsonAsync(string url, string json)
    {
        var (status, body) = await PostForTextAsync(url, json);
        Assert.True(status == 200, $"HTTP {status}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The data payloads of an SSE body, in order ("[DONE]" included).</summary>
    public static List<string> DataLines(string sse)
    {
        var list = new List<string>();
        foreach (var line in Translation.SseText.Lines(sse))
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                list.Add(line["data: ".Length..]);
            }
        }
        return list;
    }

    /// <summary>The JSON chunks of an SSE body ([DONE] excluded).</summary>
    public static List<JsonElement> Chunks(string sse) =>
        DataLines(sse).Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement.Clone()).ToList();

    /// <summary>Sends a raw HTTP request and reads until the server closes the connection (or the timeout passes).</summary>
    public static async Task<(string Response, bool ServerClosed)> RawExchangeAsync(int port, string method, string path, string? body,
        string version = "HTTP/1.1", TimeSpan? timeout = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        var head = $"{method} {path} {version}\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            + (body is null ? "" : $"Content-Length: {bytes.Length}\r\n") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(bytes);

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, cts.Token);
                if (n == 0)
                {
                    return (Encoding.UTF8.GetString(received.ToArray()), true);
                }
                received.Write(buffer, 0, n);
            }
        }
        catch (OperationCanceledException)
        {
            return (Encoding.UTF8.GetString(received.ToArray()), false);
        }
        catch (IOException)
        {
            return (Encoding.UTF8.GetString(received.ToArray()), true);
        }
    }

    public static string Headers(string rawResponse) => rawResponse[..rawResponse.IndexOf("\r\n\r\n", StringComparison.Ordinal)];

    public static string Body(string rawResponse) => rawResponse[(rawResponse.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];

    public static string ChatBody(string userText, bool stream = false, bool includeUsage = false, string? model = null,
        string? system = null, string? tools = null, int? maxTokens = null, string? extraMessages = null)
    {
        var sb = new StringBuilder("{");
        if (model is not null)
        {
            sb.Append("\"model\":").Append(JsonSerializer.Serialize(model)).Append(',');
        }
        sb.Append("\"messages\":[");
        if (system is not null)
        {
            sb.Append("{\"role\":\"system\",\"content\":").Append(JsonSerializer.Serialize(system)).Append("},");
        }
        if (extraMessages is not null)
        {
            sb.Append(extraMessages).Append(',');
        }
        sb.Append("{\"role\":\"user\",\"content\":").Append(JsonSerializer.Serialize(userText)).Append("}]");
        if (tools is not null)
        {
            sb.Append(",\"tools\":").Append(tools);
        }
        if (maxTokens is not null)
        {
            sb.Append(",\"max_tokens\":").Append(maxTokens);
        }
        sb.Append(",\"stream\":").Append(stream ? "true" : "false");
        if (includeUsage)
        {
            sb.Append(",\"stream_options\":{\"include_usage\":true}");
        }
        return sb.Append('}').ToString();
    }

    public const string BashTool =
        "[{\"type\":\"function\",\"function\":{\"name\":\"Bash\",\"description\":\"Run a shell command\",\"parameters\":{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}},\"required\":[\"command\"]}}}]";
}
