using System.Text;
using System.Text.Unicode;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Backends;

/// <summary>Reads the lines of an OpenAI-style SSE stream: data payloads go to the translator; comments
/// (": keepalive 3/10"), event/id fields and blank lines are skipped; [DONE] ends the stream. A data line that is
/// not JSON is skipped and remembered (the rest of the stream still counts); invalid UTF-8 or text that is not
/// valid Unicode ends the stream with an error that says so, since the answer's text would be corrupt.</summary>
internal sealed class ChatSseLines(BackendSettings backend)
{
    /// <summary>Data lines skipped because they were not JSON.</summary>
    public int SkippedLines { get; private set; }
    private string? _firstSkipped;

    /// <summary>Processes every complete buffered line; true once [DONE] was seen.</summary>
    public bool Process(SseLineReader reader, ChatStreamTranslator translator)
    {
        while (reader.TryReadLine(out var line))
        {
            if (line.IsEmpty || line[0] == (byte)':' || !line.StartsWith("data:"u8)) continue;
            var payload = line[5..];
            if (!payload.IsEmpty && payload[0] == (byte)' ') payload = payload[1..];
            if (payload.SequenceEqual("[DONE]"u8)) return true;
            if (!Utf8.IsValid(payload))
                throw new BackendStreamException("the backend sent a stream chunk that is not valid UTF-8; the answer's text would be corrupt, so the stream was ended");
            if (payload.StartsWith("{\"error\""u8))
                throw BackendErrors.FromStatus(backend, 500, payload, 0, 0);
            try
            {
                translator.OnChunk(payload);
            }
            catch (BackendStreamException e) when (e.Recoverable)
            {
                if (SkippedLines++ == 0) _firstSkipped = Encoding.UTF8.GetString(payload.Length > 120 ? payload[..120] : payload);
            }
            catch (InvalidOperationException)
            {
                // System.Text.Json refuses to turn a lone surrogate escape ("\ud800") into a string.
                throw new BackendStreamException("the backend sent a stream chunk whose text is not valid Unicode (a lone surrogate escape such as \\ud800)");
            }
        }
        return false;
    }

    /// <summary>The stream's own failure, plus the skipped lines when there were any (they may explain it).</summary>
    public string Describe(BackendStreamException e) =>
        SkippedLines == 0 ? e.Message : $"{e.Message}; {SkippedText}";

    /// <summary>"it also sent N data line(s) that were not JSON (first: …)".</summary>
    public string SkippedText => $"it also sent {SkippedLines} data line(s) that were not JSON (first: {_firstSkipped})";
}
