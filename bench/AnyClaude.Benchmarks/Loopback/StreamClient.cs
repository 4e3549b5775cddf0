using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using AnyClaude.Proxy.Backends;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>One streamed request's timings. Chunks counts token-bearing events (OpenAI data chunks
/// direct, content_block_delta events through the proxy).
/// HeadersMs and FirstEventMs (the first SSE line of any kind: message_start through the proxy) split TTFT.</summary>
internal readonly record struct StreamTiming(double TtftMs, double TotalMs, double StreamingMs, int Chunks, double HeadersMs, double FirstEventMs);

/// <summary>
/// Sends a request and reads the SSE reply line by line with the same code for both targets (the engine's
/// <see cref="SseLineReader"/>, the project's one SSE reader), so the
/// client's own cost cancels out of direct-vs-proxy differences. First token: the first
/// content_block_delta (proxy) or the first data chunk after the role chunk (direct, OpenAI).
/// </summary>
internal sealed class StreamClient : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    })
    { Timeout = TimeSpan.FromMinutes(5) };

    /// <param name="arrivals">When given, receives each token event's arrival in ms since the request was sent.</param>
    public async Task<StreamTiming> DirectAsync(Uri backendBase, byte[] openAiBody, List<double>? arrivals = null) =>
        await SendAsync(new Uri(backendBase, "v1/chat/completions"), openAiBody, token: null, proxied: false, arrivals);

    public async Task<StreamTiming> ProxyAsync(Uri proxyBase, string token, byte[] anthropicBody, List<double>? arrivals = null) =>
        await SendAsync(new Uri(proxyBase, "/v1/messages?beta=true"), anthropicBody, token, proxied: true, arrivals);

    public Task<string> GetStringAsync(Uri url) => _http.GetStringAsync(url);

    private async Task<StreamTiming> SendAsync(Uri url, byte[] body, string? token, bool proxied, List<double>? arrivals)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (token is not null)
        {
            message.Headers.Add("x-api-key", token);
            message.Headers.Add("anthropic-version", "2023-06-01");
        }
        var start = Stopwatch.GetTimestamp();
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var headers = Stopwatch.GetTimestamp();
        await using var stream = await response.Content.ReadAsStreamAsync();

        long firstToken = 0, firstEvent = 0;
        int chunks = 0, dataLines = 0;
        var sawError = false;
        using var reader = new SseLineReader(stream);
        for (var more = true; more;)
        {
            more = await reader.FillAsync(CancellationToken.None);
            if (firstEvent == 0 && more) firstEvent = Stopwatch.GetTimestamp();
            while (reader.TryReadLine(out var line))
            {
                if (proxied)
                {
                    if (line.SequenceEqual("event: content_block_delta"u8))
                    {
                        if (chunks++ == 0) firstToken = Stopwatch.GetTimestamp();
                        arrivals?.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                    else if (line.SequenceEqual("event: error"u8)) sawError = true;
                }
                else if (line.StartsWith("data: {"u8))
                {
                    // Chunk 1 is the role chunk; the next one carries the first token.
                    if (++dataLines == 2) firstToken = Stopwatch.GetTimestamp();
                    if (dataLines >= 2) chunks++;
                    if (dataLines >= 2) arrivals?.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        }
        var stop = Stopwatch.GetTimestamp();
        if (sawError) throw new InvalidOperationException("the proxy sent an error event");
        if (firstToken == 0) throw new InvalidOperationException("no token arrived");
        return new StreamTiming(
            Stopwatch.GetElapsedTime(start, firstToken).TotalMilliseconds,
            Stopwatch.GetElapsedTime(start, stop).TotalMilliseconds,
            Stopwatch.GetElapsedTime(firstToken, stop).TotalMilliseconds,
            chunks,
            Stopwatch.GetElapsedTime(start, headers).TotalMilliseconds,
            Stopwatch.GetElapsedTime(start, firstEvent).TotalMilliseconds);
    }

    public void Dispose() => _http.Dispose();
}
