namespace AnyClaude.Diagnostics.Checks;

/// <summary>A streamed completion delivers tokens, a finish_reason and [DONE], with usage when asked for.</summary>
internal sealed class StreamingCheck : IBackendCheck
{
    public string Name => CheckNames.Streaming;
    public string Description => "Streaming";

    public async Task<CheckOutcome> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var body = context.ChatBody(16, ("user", "Reply with the single word: ready"));
        var m = await context.Backend.StreamAsync(body, context.Options.CompletionTimeout, cancellationToken).ConfigureAwait(false);
        if (m.Error is not null)
            return CheckOutcome.Fail($"the stream reported an error: {m.Error}", BackendAdvice.LoadModel(context.Settings, context.Model));
        if (m.TimeToFirstToken is not { } ttft)
            return CheckOutcome.Fail("the stream carried no tokens", "Check the server's log: the model may have failed to generate.");
        if (!m.Completed)
            return CheckOutcome.Fail("the stream ended without a finish_reason and [DONE]",
                "The server cut the stream short; check its log and that nothing in between buffers or closes connections.");
        var usage = m.UsageReported
            ? $"usage {m.PromptTokens} prompt / {m.OutputTokens} output tokens"
            : "no usage reported (token counts will be missing)";
        return CheckOutcome.Pass($"first token after {ttft.TotalMilliseconds:0} ms, finished ({m.FinishReason}) in {m.Duration.TotalMilliseconds:0} ms; {usage}");
    }
}
