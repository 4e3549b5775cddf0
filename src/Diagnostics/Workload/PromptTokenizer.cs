using Microsoft.ML.Tokenizers;

namespace AnyClaude.Diagnostics.Workload;

/// <summary>o200k_base token counts, used to size synthetic prompts to Claude Code's measured footprint.</summary>
internal static class PromptTokenizer
{
    // The vocabulary takes a moment to load: once, on first use.
    private static readonly Lazy<Tokenizer> s_tokenizer = new(
        () => TiktokenTokenizer.CreateForEncoding("o200k_base"), LazyThreadSafetyMode.ExecutionAndPublication);

    public static int Count(string text) => string.IsNullOrEmpty(text) ? 0 : s_tokenizer.Value.CountTokens(text);
}
