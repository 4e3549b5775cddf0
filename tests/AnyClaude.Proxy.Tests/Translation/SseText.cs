using System.Text;
using AnyClaude.Proxy.Backends;

namespace AnyClaude.Proxy.Tests.Translation;

/// <summary>An SSE body split the way the proxy reads streams, with the engine's own <see cref="SseLineReader"/>
/// (the one SSE reader of the project): the tests' parsers read lines and frames through it.</summary>
public static class SseText
{
    /// <summary>Every line of the body without its CR/LF, blank lines and comments included.</summary>
    public static List<string> Lines(string sse) => Lines(Encoding.UTF8.GetBytes(sse));

    /// <inheritdoc cref="Lines(string)"/>
    public static List<string> Lines(byte[] sse)
    {
        var lines = new List<string>();
        using var reader = new SseLineReader(new MemoryStream(sse, writable: false));
        bool more;
        do
        {
            // A MemoryStream completes every read at once.
            more = reader.FillAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            while (reader.TryReadLine(out var line)) lines.Add(Encoding.UTF8.GetString(line));
        }
        while (more);
        return lines;
    }

    /// <summary>The frames of the body: the lines between blank lines (empty frames dropped).</summary>
    public static List<List<string>> Frames(string sse)
    {
        var frames = new List<List<string>>();
        var frame = new List<string>();
        foreach (var line in Lines(sse))
        {
            if (line.Length > 0)
            {
                frame.Add(line);
                continue;
            }
            if (frame.Count > 0) frames.Add(frame);
            frame = [];
        }
        if (frame.Count > 0) frames.Add(frame);
        return frames;
    }
}
