using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Proxy.Backends;

/// <summary>Reads the lines of an OpenAI-style SSE stream: data payloads go to the translator; comments
/// (": keepalive 3/10"), event/id fields and blank lines are skipped; [DONE] ends the stream.</summary>
internal static class ChatSseLines
{
    /// <summary>Processes every complete buffered line; true once [DONE] was seen.</summary>
    public static bool Process(SseLineReader reader, ChatStreamTranslator translator, BackendSettings backend)
    {
        while (reader.TryReadLine(out var line))
        {
            if (line.IsEmpty || line[0] == (byte)':' || !line.StartsWith("data:"u8)) continue;
            var payload = line[5..];
            if (!payload.IsEmpty && payload[0] == (byte)' ') payload = payload[1..];
            if (payload.SequenceEqual("[DONE]"u8)) return true;
            if (payload.StartsWith("{\"error\""u8))
                throw BackendErrors.FromStatus(backend, 500, payload, 0, 0);
            translator.OnChunk(payload);
        }
        return false;
    }
}
