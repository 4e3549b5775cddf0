using AnyClaude.Proxy.Configuration;
using AnyClaude.Diagnostics.Http;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>Sends the conversation's current request one way (through the proxy or straight to a backend).</summary>
internal interface ITurnSender
{
    string Route { get; }
    Task<StreamMeasurement> SendAsync(BenchmarkConversation conversation, BackendMode mode, CancellationToken cancellationToken);
}

/// <summary>Claude Code's way: Anthropic Messages, streaming. routeByModel: the model names the mode ("mlx-lm"), so a
/// shared proxy serves the turn without being switched; otherwise a Claude model name goes to the active mode.</summary>
internal sealed class ProxyTurnSender(AnthropicMessagesClient client, CacheBenchmarkOptions options, string sessionId, bool routeByModel) : ITurnSender
{
    public string Route => "Proxy";

    public Task<StreamMeasurement> SendAsync(BenchmarkConversation conversation, BackendMode mode, CancellationToken cancellationToken) =>
        client.StreamAsync(
            conversation.AnthropicBody(routeByModel ? ModeNames.ToEnvironmentName(mode) : BenchmarkConversation.ClaudeModel, options.MaxOutputTokens), sessionId, options.TurnTimeout, cancellationToken);
}

/// <summary>The same turns straight at the backend's /v1/chat/completions.</summary>
internal sealed class DirectTurnSender(Proxy.Backends.BackendHttp http, IReadOnlyDictionary<BackendMode, BackendSettings> backends, CacheBenchmarkOptions options) : ITurnSender
{
    public string Route => "Direct";

    public Task<StreamMeasurement> SendAsync(BenchmarkConversation conversation, BackendMode mode, CancellationToken cancellationToken)
    {
        var settings = backends[mode];
        var body = conversation.ChatBody(settings.Model, options.MaxOutputTokens, settings.ToolCalls == ToolCallMode.Native);
        return new OpenAiChatClient(http, settings).StreamAsync(body, options.TurnTimeout, cancellationToken);
    }
}
