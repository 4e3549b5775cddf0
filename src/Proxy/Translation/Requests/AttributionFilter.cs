namespace AnyClaude.Proxy.Translation;

/// <summary>Removes Claude Code's attribution line ("x-anthropic-billing-header: cc_version=…; …") from system
/// text. Its suffix changes with the first prompt of each session, so leaving it in would make every
/// session's prompt differ from its first bytes and defeat a local backend's prefix cache.</summary>
internal static class AttributionFilter
{
    public const string Prefix = "x-anthropic-billing-header:";

    public static bool Contains(string text) => text.Contains(Prefix, StringComparison.Ordinal);

    /// <summary>The text without any line that starts with the attribution prefix; unchanged when it has none.</summary>
    public static string Strip(string text)
    {
        if (!Contains(text))
            return text;
        var kept = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            if (!line.TrimStart().StartsWith(Prefix, StringComparison.Ordinal))
                kept.Add(line);
        }
        return string.Join('\n', kept).Trim('\n');
    }
}
