using System.Buffers;
using System.Diagnostics;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Tokens;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>Step medians of the work OpenAiChatForwarder.HandleAsync does before the backend sees a byte,
/// timed in the harness process right after the TTFT run, so they explain its numbers under the same load.</summary>
internal static class PreambleProbe
{
    public sealed record Steps(Stats Parse, Stats CountTokens, Stats CountTokensFirstTurn, Stats Translate);

    public static Steps Measure(byte[] body, int runs)
    {
        var profile = BackendProfile.For(BackendSettings.Default(BackendMode.LmStudio) with { Model = OpenAiStream.ModelId });
        var parse = new List<double>();
        var count = new List<double>();
        var cold = new List<double>();
        // Distinct conversations (another seed each) defeat TokenCounter's cache of long texts, like a first turn.
        var firstTurns = Enumerable.Range(1, runs).Select(seed => ClaudeCodeRequest.Create(new() { Seed = 7_000 + seed })).ToArray();
        var write = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            using var request = MessagesRequest.Parse(body);
            var t1 = Stopwatch.GetTimestamp();
            TokenCounter.CountRequest(request.Root);
            var t2 = Stopwatch.GetTimestamp();
            var output = new ArrayBufferWriter<byte>(64 * 1024);
            var t3 = Stopwatch.GetTimestamp();
            ChatRequestTranslator.Write(request, profile, request.MaxTokens, output);
            var t4 = Stopwatch.GetTimestamp();
            parse.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            count.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
            write.Add(Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds);
            using var other = MessagesRequest.Parse(firstTurns[i]);
            var t5 = Stopwatch.GetTimestamp();
            TokenCounter.CountRequest(other.Root);
            cold.Add(Stopwatch.GetElapsedTime(t5).TotalMilliseconds);
        }
        return new Steps(Stats.Of(parse), Stats.Of(count), Stats.Of(cold), Stats.Of(write));
    }
}
