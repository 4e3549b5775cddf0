using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Hosting;

/// <summary>
/// Runs the request path once before the user's first request needs it (<see cref="ProxyOptions.WarmUp"/>): a
/// throwaway proxy on another loopback port, in front of a canned backend in this process, serves a few
/// Claude Code-shaped requests (a translated stream with reasoning, text and a tool call, a whole answer, a token
/// count, a relayed Anthropic stream). The JIT compiles each method once per process, so the user's proxy then
/// serves its first turn with compiled code: listener, dispatcher, translators, backend client, SSE relay. No byte
/// reaches the user's backends; no record, status line or session file is written. Any failure is ignored (the
/// first turn is then only slower, as without a warm-up).
/// </summary>
internal static class Warmup
{
    /// <summary>True when every warm-up request was answered with success (false: something failed, and was ignored).</summary>
    public static async Task<bool> RunAsync(CancellationToken ct)
    {
        var ok = true;
        LoopbackBinding? backend = null;
        ProxyServer? proxy = null;
        try
        {
            backend = LoopbackListener.Start(0);
            var serving = ServeAsync(backend.Listener, ct);
            proxy = ProxyServer.Start(new ProxyOptions
            {
                Mode = BackendMode.LmStudio,
                Backends = new Dictionary<BackendMode, BackendSettings>
                {
                    [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with
                    {
                        BaseUrl = new Uri(backend.BaseUrl, "/v1"), Model = "warm-up", ContextWindow = 131_072,
                    },
                    [BackendMode.AnthropicCompatible] = BackendSettings.Default(BackendMode.AnthropicCompatible) with
                    {
                        BaseUrl = backend.BaseUrl, Model = "warm-up",
                    },
                },
            });
            using var client = new HttpClient { BaseAddress = proxy.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Add("x-api-key", proxy.Token);
            client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
            // Twice each: the second pass runs what the first one's lazy initialisation skipped.
            for (var pass = 0; pass < 2; pass++)
            {
                ok &= await SendAsync(client, "/v1/messages", Body(stream: true, pass), ct).ConfigureAwait(false);
                ok &= await SendAsync(client, "/v1/messages", Body(stream: false, pass), ct).ConfigureAwait(false);
                ok &= await SendAsync(client, "/v1/messages/count_tokens", Body(stream: false, pass), ct).ConfigureAwait(false);
            }
            proxy.SetMode(BackendMode.AnthropicCompatible);
            ok &= await SendAsync(client, "/v1/messages", Body(stream: true, 0), ct).ConfigureAwait(false);
            // What a client must see: every stream complete (the translated and the relayed one end with message_stop).
            ok &= proxy.GetRecords().All(r => r.Status == 200 && r.Error is null);
            await proxy.StopAsync().ConfigureAwait(false);
            proxy = null;
            backend.Listener.Stop();
            await serving.ConfigureAwait(false);
            return ok;
        }
        catch (Exception)
        {
            // A warm-up that fails (no loopback port, the proxy stopping meanwhile) costs the first turn its JIT, nothing else.
            return false;
        }
        finally
        {
            if (proxy is not null) await proxy.StopAsync().ConfigureAwait(false);
            if (backend is not null)
            {
                try { backend.Listener.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { }
            }
        }
    }

    private static async Task<bool> SendAsync(HttpClient client, string path, string body, CancellationToken ct)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(path, content, ct).ConfigureAwait(false);
        var answer = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return response.IsSuccessStatusCode && !answer.Contains("event: error", StringComparison.Ordinal);
    }

    /// <summary>A small request with what Claude Code sends: system blocks, tools with schemas, a tool round trip,
    /// thinking; pass varies the last message as a new turn would.</summary>
    private static string Body(bool stream, int pass) => $$$"""
        {"model":"claude-sonnet-4-5","max_tokens":1024,"stream":{{{(stream ? "true" : "false")}}},
         "system":[{"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude."},{"type":"text","text":"Answer briefly.","cache_control":{"type":"ephemeral"}}],
         "tools":[{"name":"Read","description":"Reads a file.","input_schema":{"type":"object","properties":{"file_path":{"type":"string","description":"The path"},"limit":{"type":"number"}},"required":["file_path"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}},
                  {"name":"Bash","description":"Runs a command.","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}],
         "metadata":{"user_id":"user_warmup_account__session_00000000-0000-0000-0000-000000000000"},
         "messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>warm-up</system-reminder>"},{"type":"text","text":"Read the file."}]},
                     {"role":"assistant","content":[{"type":"thinking","thinking":"Reading it.","signature":"anyclaude-local-unsigned"},{"type":"text","text":"Reading."},{"type":"tool_use","id":"toolu_warmup1","name":"Read","input":{"file_path":"/tmp/a.txt"}}]},
                     {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_warmup1","content":[{"type":"text","text":"1\tline one \u00e9"}]},{"type":"text","text":"Now list it, pass {{{pass}}}.","cache_control":{"type":"ephemeral"}}]}]}
        """;

    /// <summary>The canned backend: an OpenAI-style chat stream or answer, an Anthropic stream, 404 for anything else.</summary>
    private static async Task ServeAsync(HttpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = AnswerAsync(context, ct);
        }
    }

    private static async Task AnswerAsync(HttpListenerContext context, CancellationToken ct)
    {
        var response = context.Response;
        try
        {
            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                body = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
            var path = context.Request.Url?.AbsolutePath ?? "";
            var stream = body.Contains("\"stream\":true", StringComparison.Ordinal);
            byte[] bytes;
            if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
            {
                response.ContentType = stream ? "text/event-stream" : "application/json";
                bytes = Encoding.UTF8.GetBytes(stream ? ChatStream : ChatAnswer);
            }
            else if (path.EndsWith("/v1/messages", StringComparison.Ordinal))
            {
                response.ContentType = "text/event-stream";
                bytes = Encoding.UTF8.GetBytes(AnthropicStream);
            }
            else
            {
                response.StatusCode = 404;
                response.ContentType = "application/json";
                bytes = """{"error":{"message":"not found"}}"""u8.ToArray();
            }
            if (response.ContentType == "text/event-stream")
            {
                response.SendChunked = true;
                // In a few writes, as a backend streams.
                var third = bytes.Length / 3;
                await response.OutputStream.WriteAsync(bytes.AsMemory(0, third), ct).ConfigureAwait(false);
                await response.OutputStream.FlushAsync(ct).ConfigureAwait(false);
                await response.OutputStream.WriteAsync(bytes.AsMemory(third), ct).ConfigureAwait(false);
            }
            else
            {
                response.ContentLength64 = bytes.Length;
                await response.OutputStream.WriteAsync(bytes, ct).ConfigureAwait(false);
            }
            response.Close();
        }
        catch (Exception)
        {
            try { response.Abort(); } catch (ObjectDisposedException) { }
        }
    }

    private const string ChatStream =
        "data: {\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"model\":\"warm-up\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"reasoning_content\":\"Listing\"}}]}\n\n" +
        "data: {\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"model\":\"warm-up\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\" it.\"}}]}\n\n" +
        "data: {\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"model\":\"warm-up\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Listing\"}}]}\n\n" +
        "data: {\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"model\":\"warm-up\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" \\u00e9 now.\"}}]}\n\n" +
        "data: {\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"model\":\"warm-up\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"Bash\",\"arguments\":\"\"}}]}}]}\n\n" +
        "data: {\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"model\":\"warm-up\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"command\\\":\"}}]}}]}\n\n" +
        "data: {\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"model\":\"warm-up\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"ls\\\"}\"}}]}}]}\n\n" +
        "data: {\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"model\":\"warm-up\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n" +
        "data: {\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"model\":\"warm-up\",\"choices\":[],\"usage\":{\"prompt_tokens\":300,\"completion_tokens\":12,\"total_tokens\":312,\"prompt_tokens_details\":{\"cached_tokens\":200}}}\n\n" +
        "data: [DONE]\n\n";

    private const string ChatAnswer =
        "{\"id\":\"w\",\"object\":\"chat.completion\",\"model\":\"warm-up\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Listed.\"},\"finish_reason\":\"stop\"}]," +
        "\"usage\":{\"prompt_tokens\":300,\"completion_tokens\":2,\"total_tokens\":302}}";

    private const string AnthropicStream =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_warmup\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"warm-up\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":300,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":200,\"output_tokens\":1}}}\n\n" +
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
        "event: ping\ndata: {\"type\":\"ping\"}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Listed\"}}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" it.\"}}\n\n" +
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":3}}\n\n" +
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
}
