using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace AnyClaude.Proxy.Tokens;

/// <summary>
/// Counts the prompt tokens of an Anthropic Messages request with the o200k_base tokenizer: system text,
/// message text, tool calls' inputs and results, and the tool definitions' JSON. Local models use other
/// vocabularies, so this is an estimate, but a real tokenizer's estimate (not characters ÷ 4). Public for the
/// diagnostics, which size Claude-Code-like prompts with the same tokenizer.
/// </summary>
public static class TokenCounter
{
    // Loaded once, on first use (the vocabulary takes a moment to load); Lazy makes that thread-safe.
    private static readonly Lazy<Tokenizer> s_tokenizer = new(
        () => TiktokenTokenizer.CreateForEncoding("o200k_base"), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A rough per-image cost: Anthropic bills about (width × height) / 750; we do not decode images.</summary>
    internal const int ImageTokens = 1_000;
    /// <summary>Role markers and separators a chat template adds around each message.</summary>
    internal const int PerMessageTokens = 3;

    /// <summary>Counts of long texts seen before. Claude Code resends the same system prompt and 31–81 KB of tool
    /// definitions every turn, so after the first turn only the new messages are tokenised. Keyed by a 128-bit
    /// hash of the text, not the text itself, so the caches hold 20 bytes an entry however long the prompt.</summary>
    private static readonly ConcurrentDictionary<UInt128, int> s_longTexts = new();
    private const int CacheMinLength = 1024;
    private const int CacheMaxEntries = 512;

    /// <summary>Whitespace-free runs longer than this are cut before the tokenizer: BPE merges within one
    /// pre-tokenized word cost time quadratic in its length (minified code, base64, long lines without spaces),
    /// while a token never spans more than a few dozen characters, so the cut changes the count very little.</summary>
    internal const int MaxRunChars = 64;
    /// <summary>Text is tokenised in pieces of about this size (cut before a space), so cancellation is honoured quickly.</summary>
    internal const int SegmentChars = 8 * 1024;
    /// <summary>Characters of one text counted exactly; the rest is estimated at the ratio seen so far. Bounds the
    /// work (and the wait before a backend call) for huge texts.</summary>
    internal const int MaxExactChars = 256 * 1024;

    public static int Count(string text) => Count(text, CancellationToken.None);

    /// <summary>Counts without touching the cache of long texts: for texts counted once (a prompt being built).</summary>
    public static int CountOnce(string text) => string.IsNullOrEmpty(text) ? 0 : CountBounded(text, CancellationToken.None);

    internal static int Count(string text, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(text)) return 0;
        if (text.Length < CacheMinLength) return CountBounded(text, ct);
        var key = Key(text);
        if (s_longTexts.TryGetValue(key, out var cached)) return cached;
        var count = CountBounded(text, ct);
        if (s_longTexts.Count >= CacheMaxEntries) s_longTexts.Clear(); // crude bound: a fresh start costs one turn
        s_longTexts[key] = count;
        return count;
    }

    /// <summary>Linear in the text's length: pieces of at most <see cref="SegmentChars"/>, whitespace-free runs cut at
    /// <see cref="MaxRunChars"/>, exact up to <see cref="MaxExactChars"/> and estimated beyond.</summary>
    internal static int CountBounded(string text, CancellationToken ct)
    {
        var tokenizer = s_tokenizer.Value;
        var exactEnd = Math.Min(text.Length, MaxExactChars);
        long tokens = 0;
        var start = 0;
        var run = 0;
        for (var i = 0; i < exactEnd; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                run = 0;
                // Cut before the last space of a run, so the next piece starts " word" as the pre-tokenizer would split it.
                if (i - start >= SegmentChars && i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1]))
                {
                    tokens += Piece(tokenizer, text, start, i, ct);
                    start = i;
                }
            }
            else if (++run > MaxRunChars && !char.IsLowSurrogate(c))
            {
                tokens += Piece(tokenizer, text, start, i, ct);
                start = i;
                run = 1;
            }
        }
        if (exactEnd > start) tokens += Piece(tokenizer, text, start, exactEnd, ct);
        if (exactEnd < text.Length)
            tokens += (long)Math.Ceiling((double)(text.Length - exactEnd) * tokens / exactEnd);
        return (int)Math.Min(tokens, int.MaxValue);
    }

    private static int Piece(Tokenizer tokenizer, string text, int start, int end, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return tokenizer.CountTokens(text.AsSpan(start, end - start));
    }

    private static UInt128 Key(string text) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(text.AsSpan()));

    /// <summary>Counts of whole request parts (system, each message, the tools array) by their raw JSON. Turn n+1
    /// repeats turn n's messages, so only the new ones (and the one that gained cache_control) are tokenised.</summary>
    private static readonly ConcurrentDictionary<UInt128, int> s_parts = new();
    private const int PartMinLength = 256;
    private const int PartMaxEntries = 4096;

    /// <summary>Prompt tokens of a request body's root object.</summary>
    internal static int CountRequest(JsonElement root) => CountRequest(root, CancellationToken.None);

    /// <summary>Prompt tokens of a request body's root object; stops with OperationCanceledException when ct fires.</summary>
    internal static int CountRequest(JsonElement root, CancellationToken ct)
    {
        var total = CountSystemAndTools(root, ct);
        if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in messages.EnumerateArray()) total += CountMessage(message, ct);
        }
        return total;
    }

    /// <summary>One message's share of <see cref="CountRequest(JsonElement, CancellationToken)"/>.</summary>
    internal static int CountMessage(JsonElement message, CancellationToken ct) =>
        PerMessageTokens + CountPart(message, static (m, ct) =>
            m.ValueKind == JsonValueKind.Object && m.TryGetProperty("content", out var content) ? CountContent(content, ct) : 0, ct);

    /// <summary>The tokens of one content block (a tool result's content, a text, a thinking block).</summary>
    internal static int CountContentBlock(JsonElement block, CancellationToken ct) => CountBlock(block, ct);

    /// <summary>The system prompt's and the tool definitions' share of a request.</summary>
    internal static int CountSystemAndTools(JsonElement root, CancellationToken ct)
    {
        var total = 0;
        if (root.TryGetProperty("system", out var system)) total += CountPart(system, static (e, ct) => CountContent(e, ct), ct);
        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
            total += CountPart(tools, static (t, ct) =>
            {
                var n = 0;
                foreach (var tool in t.EnumerateArray()) n += Count(tool.GetRawText(), ct);
                return n;
            }, ct);
        return total;
    }

    private static int CountPart(JsonElement part, Func<JsonElement, CancellationToken, int> count, CancellationToken ct)
    {
        var raw = part.GetRawText();
        if (raw.Length < PartMinLength) return count(part, ct);
        var key = Key(raw);
        if (s_parts.TryGetValue(key, out var cached)) return cached;
        var n = count(part, ct);
        if (s_parts.Count >= PartMaxEntries) s_parts.Clear(); // crude bound: one turn is then counted from scratch
        s_parts[key] = n;
        return n;
    }

    private static int CountContent(JsonElement content, CancellationToken ct)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return Count(content.GetString()!, ct);
            case JsonValueKind.Array:
                var total = 0;
                foreach (var block in content.EnumerateArray()) total += CountBlock(block, ct);
                return total;
            default:
                return 0;
        }
    }

    private static int CountBlock(JsonElement block, CancellationToken ct)
    {
        if (block.ValueKind == JsonValueKind.String) return Count(block.GetString()!, ct);
        if (block.ValueKind != JsonValueKind.Object || !block.TryGetProperty("type", out var typeElement)) return 0;
        switch (typeElement.GetString())
        {
            case "text": return CountString(block, "text", ct);
            case "thinking": return CountString(block, "thinking", ct);
            case "image": return ImageTokens;
            case "tool_use":
                var n = CountString(block, "name", ct);
                if (block.TryGetProperty("input", out var input)) n += Count(input.GetRawText(), ct);
                return n;
            case "tool_result":
                return block.TryGetProperty("content", out var result) ? CountContent(result, ct) : 0;
            case "document":
                // Plain-text documents count their text; base64 PDFs are not decoded here.
                if (block.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.Object
                    && source.TryGetProperty("type", out var st) && st.ValueEquals("text"))
                    return CountString(source, "data", ct);
                return 0;
            default:
                return 0;
        }
    }

    private static int CountString(JsonElement obj, string name, CancellationToken ct) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? Count(v.GetString()!, ct) : 0;
}
