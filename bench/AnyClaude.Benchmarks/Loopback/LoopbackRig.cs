using System.Buffers;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>The real ProxyServer (LM Studio mode) in front of a canned backend, the two request bodies
/// (Anthropic for the proxy, the translated Chat Completions body for direct calls) and a client.</summary>
internal sealed class LoopbackRig : IAsyncDisposable
{
    private LoopbackRig(Uri backendBase, ProxyServer proxy, byte[] anthropicBody, byte[] openAiBody)
    {
        BackendBase = backendBase;
        Proxy = proxy;
        AnthropicBody = anthropicBody;
        OpenAiBody = openAiBody;
    }

    /// <summary>http://127.0.0.1:port/ (the backend's root; /v1 is appended per call).</summary>
    public Uri BackendBase { get; }
    public ProxyServer Proxy { get; }
    public byte[] AnthropicBody { get; }
    public byte[] OpenAiBody { get; }
    public StreamClient Client { get; } = new();

    public static LoopbackRig Create(Uri backendBase)
    {
        var settings = new BackendSettings
        {
            Mode = BackendMode.LmStudio,
            BaseUrl = new Uri(backendBase, "v1"),
            Model = OpenAiStream.ModelId,
        };
        var proxy = ProxyServer.Start(new ProxyOptions
        {
            Port = 0,
            Mode = BackendMode.LmStudio,
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.LmStudio] = settings },
        });
        var anthropic = ClaudeCodeRequest.Create();
        return new LoopbackRig(backendBase, proxy, anthropic, TranslatedBody(anthropic, settings));
    }

    /// <summary>The Chat Completions body the proxy sends the backend for <paramref name="anthropic"/>: direct calls send
    /// exactly these bytes, so both paths move the same bytes.</summary>
    public static byte[] TranslatedBody(byte[] anthropic, BackendSettings settings)
    {
        var openAi = new ArrayBufferWriter<byte>();
        using (var request = MessagesRequest.Parse(anthropic))
            ChatRequestTranslator.Write(request, BackendProfile.For(settings), request.MaxTokens, openAi);
        return openAi.WrittenSpan.ToArray();
    }

    public async Task UseStreamAsync(int chunks, int gapMs = 0, StreamShape shape = StreamShape.Mixed) =>
        await Client.GetStringAsync(new Uri(BackendBase, $"bench/use?chunks={chunks}&gap={gapMs}&shape={shape}"));

    public Task<StreamTiming> DirectAsync(List<double>? arrivals = null) => Client.DirectAsync(BackendBase, OpenAiBody, arrivals);
    public Task<StreamTiming> ProxiedAsync(List<double>? arrivals = null) => Client.ProxyAsync(Proxy.BaseUrl, Proxy.Token, AnthropicBody, arrivals);
    public Task<StreamTiming> ProxiedAsync(byte[] anthropicBody) => Client.ProxyAsync(Proxy.BaseUrl, Proxy.Token, anthropicBody);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Proxy.StopAsync();
    }
}
