using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Tokens;
using Microsoft.ML.Tokenizers;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Tokens;

/// <summary>Issue 8, item 2: counting is linear on whitespace-free text, bounded on huge text, cancellable, and still
/// a close estimate. (Speed itself is measured by the benchmark TokenCountingBenchmarks, not asserted here.)</summary>
public sealed class BoundedCountingTests
{
    private static readonly Tokenizer s_exact = TiktokenTokenizer.CreateForEncoding("o200k_base");

    private static string Base64(int chars, int seed = 7)
    {
        var bytes = new byte[chars * 3 / 4 + 3];
        new Random(seed).NextBytes(bytes);
        return Convert.ToBase64String(bytes)[..chars];
    }

    /// <summary>One pre-tokenizer word as long as the text (lowercase letters only): what made counting quadratic.
    /// (Base64 is cut into short words by its '+', '/' and digits, so it never was.)</summary>
    private static string Letters(int chars, int seed = 9)
    {
        var r = new Random(seed);
        return string.Create(chars, r, static (span, r) => { for (var i = 0; i < span.Length; i++) span[i] = (char)('a' + r.Next(26)); });
    }

    private static string Prose(int chars)
    {
        string[] words = ["the", "proxy", "forwards", "every", "request", "to", "a", "local", "model,", "which", "answers", "slowly.", "Tokens"];
        var sb = new StringBuilder(chars + 16);
        var r = new Random(3);
        while (sb.Length < chars) sb.Append(words[r.Next(words.Length)]).Append(r.Next(12) == 0 ? '\n' : ' ');
        return sb.ToString(0, chars);
    }

    [Fact]
    public void Prose_counts_exactly_as_the_tokenizer_does()
    {
        var text = Prose(100_000);
        Assert.Equal(s_exact.CountTokens(text), TokenCounter.CountBounded(text, CancellationToken.None));
    }

    [Fact]
    public void Whitespace_free_text_is_cut_into_runs_and_stays_a_close_estimate()
    {
        foreach (var text in new[] { Base64(32 * 1024), Letters(16 * 1024) })
        {
            var exact = s_exact.CountTokens(text);
            var bounded = TokenCounter.CountBounded(text, CancellationToken.None);
            Assert.InRange(bounded, exact * 0.95, exact * 1.05);
        }
    }

    [Fact]
    public void Beyond_the_exact_cap_the_rest_is_estimated_at_the_same_ratio()
    {
        var text = Prose(TokenCounter.MaxExactChars * 4);
        var exact = s_exact.CountTokens(text);
        Assert.InRange(TokenCounter.CountBounded(text, CancellationToken.None), exact * 0.97, exact * 1.03);
    }

    [Fact]
    public void Counting_honours_cancellation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => TokenCounter.CountBounded(Letters(64 * 1024), cancelled.Token));
        var request = JsonDocument.Parse(JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = Base64(70_000, seed: 11) } } }));
        Assert.Throws<OperationCanceledException>(() => TokenCounter.CountRequest(request.RootElement, cancelled.Token));
    }

    [Fact]
    public async Task Count_tokens_on_ten_megabytes_without_whitespace_answers()
    {
        // Before the fix this kept both cores busy for over 7 minutes; the guard below only stops a hang.
        await using var proxy = AnyClaude.Proxy.Hosting.ProxyServer.Start(new AnyClaude.Proxy.Configuration.ProxyOptions());
        using var client = Client(proxy);
        var body = JsonSerializer.Serialize(new { model = "m", messages = new[] { new { role = "user", content = Letters(10 * 1024 * 1024, seed: 5) } } });
        var (status, json) = await PostForJsonAsync(client, "/v1/messages/count_tokens", body).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(200, status);
        Assert.InRange(json.GetProperty("input_tokens").GetInt32(), 10 * 1024 * 1024 / 8, 10 * 1024 * 1024);
    }
}
