using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Forwarding.Context;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Tokens;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Forwarding;

/// <summary>What a request may send once it fits the backend's context window: the prompt's size (our estimate) and
/// the output budget left beside it. <see cref="Cut"/> is the shortened request to send instead of the client's, when
/// the policy cut it (the caller disposes it).</summary>
internal readonly record struct ContextFit(int InputTokens, int MaxTokens)
{
    public MessagesRequest? Cut { get; init; }
}

/// <summary>
/// The context-policy seam: the step between parsing a request and transforming its body, step 1 of both forwarders
/// (<see cref="OpenAiChatForwarder"/> before the translation, and the prewarm, which must send the same conversation;
/// <see cref="AnthropicForwarder"/> before its body transform, where nothing is applied yet). It makes the
/// conversation fit the backend's context window, one policy for every caller, so each sends the same cut:
/// <list type="bullet">
/// <item>Claude Code's summary request (<see cref="SummaryRequest"/>, kind Compaction) is cut until the summary has
/// <see cref="ContextBudget.SummaryOutput"/> tokens of room: never refused on size.</item>
/// <item>A main turn over <see cref="ContextBudget.CutAbove"/> is cut with <see cref="ConversationCut"/> under the mode's
/// <see cref="ContextPolicyMode.Elide"/> (the default; the same cut on later turns), or answered with Anthropic's
/// "prompt is too long" under <see cref="ContextPolicyMode.Refuse"/> (Claude Code then compacts by itself).</item>
/// <item>What no cut can make fit is refused with what to do.</item>
/// </list>
/// max_tokens is then clamped to the room left.
/// </summary>
internal sealed class ContextPolicy(ContextWindowCache windows)
{
    public async ValueTask<ContextFit> ApplyAsync(MessagesRequest request, BackendSettings backend, string? model, RecordDraft record, CancellationToken ct)
    {
        var inputTokens = TokenCounter.CountRequest(request.Root, ct);
        // Recorded before the window check, so a prompt refused as too long is recorded with its size.
        record.InputTokens = inputTokens;
        var maxTokens = request.MaxTokens;
        if (await windows.GetAsync(backend, model, ct).ConfigureAwait(false) is not { } window) return new ContextFit(inputTokens, maxTokens);
        record.ContextWindow = window;

        MessagesRequest? cut = null;
        if (record.Kind == RequestKind.Compaction)
        {
            if (inputTokens > window - ContextBudget.SummaryOutput(window)) cut = Cut(request, window, CutPurpose.Summary, record, ref inputTokens, ct);
            if (inputTokens >= window)
            {
                cut?.Dispose();
                throw BackendErrors.NothingToCut(inputTokens, window, backend);
            }
        }
        else if (backend.ContextPolicy == ContextPolicyMode.Elide && inputTokens > ContextBudget.CutAbove(window))
        {
            cut = Cut(request, window, CutPurpose.Main, record, ref inputTokens, ct);
            if (inputTokens + ContextBudget.MinAnswer(window) > window)
            {
                cut?.Dispose();
                throw BackendErrors.NothingToCut(inputTokens, window, backend);
            }
        }
        // The prompt must leave room for at least one output token; otherwise answer "prompt is too long" before
        // forwarding, so Claude Code compacts the conversation by itself.
        else if (inputTokens >= window)
        {
            throw BackendErrors.PromptTooLong(inputTokens, window, backend);
        }
        maxTokens = Math.Min(maxTokens, window - inputTokens);
        return new ContextFit(inputTokens, maxTokens) { Cut = cut };
    }

    private static MessagesRequest? Cut(MessagesRequest request, int window, CutPurpose purpose, RecordDraft record, ref int inputTokens, CancellationToken ct)
    {
        var result = ConversationCut.Apply(request.Root, window, purpose, ct);
        if (result.Body is null) return null;
        inputTokens = result.InputTokens;
        record.InputTokens = inputTokens;
        record.ElidedTokens = result.ElidedTokens;
        record.ElidedBlocks = result.ElidedBlocks;
        return MessagesRequest.Parse(result.Body);
    }
}
