using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Tokens;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Forwarding;

/// <summary>What a request may send once it fits the backend's context window: the prompt's size (our estimate) and
/// the output budget left beside it.</summary>
internal readonly record struct ContextFit(int InputTokens, int MaxTokens);

/// <summary>
/// The context-policy seam: the step between parsing a request and transforming its body, step 1 of both forwarders
/// (<see cref="OpenAiChatForwarder"/> before the translation, and the prewarm, which must send the same conversation;
/// <see cref="AnthropicForwarder"/> before its body transform, where nothing is applied yet). It makes the
/// conversation fit the backend's context window. Today, on the chat path, it counts the prompt, answers one that
/// cannot fit with Anthropic's "prompt is too long" (which Claude Code answers by compacting) and clamps max_tokens to
/// the room left. A policy that shortens the conversation instead (older tool results, re-attached files) belongs
/// here, one policy for both paths, so every caller sends the same cut.
/// </summary>
internal sealed class ContextPolicy(ContextWindowCache windows)
{
    public async ValueTask<ContextFit> ApplyAsync(MessagesRequest request, BackendSettings backend, string? model, RecordDraft record, CancellationToken ct)
    {
        var inputTokens = TokenCounter.CountRequest(request.Root, ct);
        // Recorded before the window check, so a prompt refused as too long is recorded with its size.
        record.InputTokens = inputTokens;
        var maxTokens = request.MaxTokens;
        if (await windows.GetAsync(backend, model, ct).ConfigureAwait(false) is { } window)
        {
            // The prompt must leave room for at least one output token; otherwise answer "prompt is too long" before
            // forwarding, so Claude Code compacts the conversation by itself.
            if (inputTokens >= window) throw BackendErrors.PromptTooLong(inputTokens, window, backend);
            maxTokens = Math.Min(maxTokens, window - inputTokens);
        }
        return new ContextFit(inputTokens, maxTokens);
    }
}
