namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// The fake's tokenizer: one token per 4 UTF-16 characters (the last token may be shorter). Token i of a text is the
/// substring [4i, 4i+4), so two prompts share k tokens exactly when they share their first 4k characters.
/// Deterministic and cheap; close enough to real BPE averages (~4 characters per token for English and code).
/// </summary>
public static class FakeTokenizer
{
    public const int CharsPerToken = 4;

    public static int Count(string text) => (text.Length + CharsPerToken - 1) / CharsPerToken;

    public static int Count(int chars) => (chars + CharsPerToken - 1) / CharsPerToken;

    /// <summary>Number of whole tokens two texts have in common from the start.</summary>
    public static int CommonPrefixTokens(string a, string b)
    {
        var chars = a.AsSpan().CommonPrefixLength(b);
        var tokens = chars / CharsPerToken;
        // A shorter text's final partial token matches when the other text continues it identically.
        if (chars == a.Length && chars == b.Length)
        {
            return Count(chars);
        }
        return tokens;
    }
}
