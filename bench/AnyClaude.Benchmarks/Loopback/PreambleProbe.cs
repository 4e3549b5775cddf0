using System.Buffers;
using System.Diagnostics;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Tokens;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Benchmarks.Loopback;

/// <summary>Step medians of the work OpenAiChatForwarder.HandleAsync does before the backend sees a byte,
/// timed in the harness process right after the TTFT run, so they explain its numbers under the same load.</summary>
internal static class PreambleProbe
{
    public sealed record Steps(Stats Parse, Stats CountTokens, Stats RawTextSizing, Stats Translate);

    public static Steps Measure(byte[] body, int runs)
    {
        var profile = BackendProfile.For(BackendSettings.Default(BackendMode.LmStudio) with { Model = Workloads.OpenAiStream.ModelId });
        var parse = new List<double>();
        var count = new List<double>();
        var raw = new List<double>();
        var write = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            using var request = MessagesRequest.Parse(body);
            long t1 = Stopwatch.GetTimestamp();
            TokenCounter.CountRequest(request.Root);
            long t2 = Stopwatch.GetTimestamp();
            // The forwarder sizes its output buffer with GetRawText(): an 80 KB string per request.
            var output = new ArrayBufferWriter<byte>(Math.Max(4096, request.Document.RootElement.GetRawText().Length / 2));
            long t3 = Stopwatch.GetTimestamp();
            ChatRequestTranslator.Write(request, profile, request.MaxTokens, output);
            long t4 = Stopwatch.GetTimestamp();
            parse.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            count.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
            raw.Add(Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds);
            write.Add(Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds);
        }
        return new Steps(Stats.Of(parse), Stats.Of(count), Stats.Of(raw), Stats.Of(write));
    }
}
