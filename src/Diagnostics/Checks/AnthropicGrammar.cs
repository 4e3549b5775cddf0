namespace AnyClaude.Diagnostics.Checks;

/// <summary>The order rules of an Anthropic message stream, as clients enforce them.</summary>
internal static class AnthropicGrammar
{
    /// <summary>Null when the event sequence is valid, else what is wrong with it.</summary>
    public static string? Problem(IReadOnlyList<string> events)
    {
        var real = events.Where(e => e != "ping").ToList();
        if (real.Count == 0 || real[0] != "message_start")
            return "it does not begin with message_start";
        if (real.Count(e => e == "message_start") > 1)
            return "message_start appears twice";
        if (real[^1] != "message_stop")
            return "it does not end with message_stop";
        var open = false;
        var sawDelta = false;
        foreach (var e in real.Skip(1).SkipLast(1))
        {
            switch (e)
            {
                case "content_block_start" when open: return "a block starts while another is open";
                case "content_block_start": open = true; break;
                case "content_block_delta" when !open: return "a delta arrives outside a block";
                case "content_block_stop" when !open: return "a block stops that was never started";
                case "content_block_stop": open = false; break;
                case "message_delta" when open: return "message_delta arrives while a block is open";
                case "message_delta": sawDelta = true; break;
                case "content_block_delta": break;
                default: return $"unexpected event '{e}'";
            }
        }
        return sawDelta ? null : "there is no message_delta";
    }
}
