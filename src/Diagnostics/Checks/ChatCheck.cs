using System.Text.Json;

namespace AnyClaude.Diagnostics.Checks;

/// <summary>A plain, non-streaming chat completion comes back with content.</summary>
internal sealed class ChatCheck : IBackendCheck
{
    public string Name => CheckNames.Chat;
    public string Description => "Chat completion";

    public async Task<CheckOutcome> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var body = context.ChatBody(16, ("user", "Reply with the single word: ready"));
        try
        {
            using var doc = await context.Backend.CompleteAsync(body, context.Options.CompletionTimeout, cancellationToken).ConfigureAwait(false);
            var message = doc.RootElement.GetProperty("choices")[0].GetProperty("message");
            var text = Str(message, "content") ?? Str(message, "reasoning") ?? Str(message, "reasoning_content");
            if (string.IsNullOrWhiteSpace(text))
                return CheckOutcome.Fail("the completion came back empty", "Check the server's log: the model may have failed to generate.");
            return CheckOutcome.Pass($"answered \"{Short(text)}\"");
        }
        catch (Exception ex) when (ex is KeyNotFoundException or IndexOutOfRangeException or InvalidOperationException)
        {
            return CheckOutcome.Fail("the answer has no choices[0].message", "The server does not speak the OpenAI Chat Completions format; check the URL.");
        }
    }

    internal static string Short(string text)
    {
        var t = text.Trim().ReplaceLineEndings(" ");
        return t.Length <= 60 ? t : t[..60] + "…";
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
