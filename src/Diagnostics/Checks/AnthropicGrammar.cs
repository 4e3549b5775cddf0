namespace AnyClaude.Diagnostics.Checks;

/// <summary>
/// The order rules of an Anthropic message stream, as clients enforce them (protocol notes, section 2): message_start
/// first and once; blocks one at a time, deltas inside them; message_delta once, after the last block; message_stop
/// last; ping anywhere; nothing after an error event. The one checker of event order: the round-trip check of
/// Test-AnyClaudeBackend runs it on a live proxy's stream, and the tests' stream checker (AnthropicSseGrammar) runs
/// it on every stream the proxy writes before checking the frames' contents.
/// </summary>
internal static class AnthropicGrammar
{
    /// <summary>Null when the event sequence is valid, else what is wrong with it. <paramref name="complete"/> false:
    /// a stream that ended early (with an error event, or cut) is valid as far as it went.</summary>
    public static string? Problem(IReadOnlyList<string> events, bool complete = true)
    {
        var real = events.Where(e => e != "ping").ToList();
        if (real.Count == 0 || real[0] != "message_start")
            return "it does not begin with message_start";
        bool open = false, sawDelta = false, stopped = false, failed = false;
        foreach (var e in real.Skip(1))
        {
            if (stopped) return $"{e} follows message_stop";
            if (failed) return $"{e} follows an error event";
            switch (e)
            {
                case "message_start": return "message_start appears twice";
                case "content_block_start" when open: return "a block starts while another is open";
                case "content_block_start" when sawDelta: return "a block starts after message_delta";
                case "content_block_start": open = true; break;
                case "content_block_delta" when !open: return "a delta arrives outside a block";
                case "content_block_delta": break;
                case "content_block_stop" when !open: return "a block stops that was never started";
                case "content_block_stop": open = false; break;
                case "message_delta" when open: return "message_delta arrives while a block is open";
                case "message_delta" when sawDelta: return "message_delta appears twice";
                case "message_delta": sawDelta = true; break;
                case "message_stop" when !sawDelta: return "there is no message_delta before message_stop";
                case "message_stop": stopped = true; break;
                case "error": failed = true; break;
                default: return $"unexpected event '{e}'";
            }
        }
        if (!complete || stopped) return null;
        return failed ? "it ends with an error event" : "it does not end with message_stop";
    }
}
