using AnyClaude.Diagnostics.Http;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>Sends the conversation's current request one way (through the proxy or straight to a backend).</summary>
internal interface ITurnSender
{
    string Route { get; }
    Task<StreamMeasurement> SendAsync(BenchmarkConversation conversation, BackendMode mode, CancellationToken cancellationToken);
}

/// <summary>Claude Code's way: Anthropic Messages, streaming. routeByModel: the model names the mode ("mlx-lm"), so a
/// shared proxy serves the turn without being switched; otherwise a Claude model name goes to the active mode.
/// findRecord (the proxy's record by request-id): whether the backend reported cached tokens, which the usage the
/// proxy sends cannot tell (it always carries cache_read_input_tokens, as Claude Code expects).</summary>
internal sealed class ProxyTurnSender(AnthropicMessagesClient client, CacheBenchmarkOptions options, string sessionId, bool routeByModel,
    Func<string, CancellationToken, Task<AnyClaude.Proxy.Observability.RequestRecord?>>? findRecord = null) : ITurnSender
{
    public string Route => "Proxy";

    public async Task<StreamMeasurement> SendAsync(BenchmarkConversation conversation, BackendMode mode, CancellationToken cancellationToken)
    {
        var m = await client.StreamAsync(
            conversation.AnthropicBody(routeByModel ? ModeNames.ToEnvironmentName(mode) : BenchmarkConversation.ClaudeModel, options.MaxOutputTokens), sessionId, options.TurnTimeout, cancellationToken).ConfigureAwait(false);
        if (findRecord is not null && m.RequestId is { } id && m.Error is null
            && await findRecord(id, cancellationToken).ConfigureAwait(false) is { } record)
            m.CachedTokensReported = record.CachedTokens is not null;
        return m;
    }
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
