using System.Text;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Stability;

/// <summary>Checks that turn n's backend request is a prefix of turn n+1's, and explains the first break.</summary>
internal static class PrefixComparison
{
    /// <summary>null when next extends previous (same system, same tools bytes, previous messages an element-wise
    /// byte prefix); otherwise a description of the first difference with a short diff context.</summary>
    public static string? FindBreak(BackendRequestParts previous, BackendRequestParts next)
    {
        if (previous.System != next.System)
            return "system prompt differs:\n" + Context(previous.System ?? "(none)", next.System ?? "(none)");
        if (previous.Tools != next.Tools)
            return "tools JSON differs:\n" + Context(previous.Tools ?? "(none)", next.Tools ?? "(none)");
        if (previous.Messages.Count > next.Messages.Count)
            return $"turn n has {previous.Messages.Count} messages but turn n+1 only {next.Messages.Count}";
        for (var i = 0; i < previous.Messages.Count; i++)
        {
            if (previous.Messages[i] != next.Messages[i])
                return $"message [{i}] differs:\n" + Context(previous.Messages[i], next.Messages[i]);
        }
        return null;
    }

    /// <summary>The first differing character with ~120 characters around it, in both versions.</summary>
    public static string Context(string a, string b)
    {
        var at = 0;
        while (at < a.Length && at < b.Length && a[at] == b[at])
            at++;
        var from = Math.Max(0, at - 120);
        var sb = new StringBuilder();
        sb.Append($"  first difference at char {at} (lengths {a.Length} vs {b.Length})\n");
        sb.Append("  turn n  : …").Append(Slice(a, from, at)).Append('\n');
        sb.Append("  turn n+1: …").Append(Slice(b, from, at));
        return sb.ToString();
    }

    private static string Slice(string s, int from, int at)
    {
        var end = Math.Min(s.Length, at + 120);
        if (from >= s.Length) return "(ends here)";
        return s[from..at].Replace("\n", "\\n") + " ⟦" + s[at..end].Replace("\n", "\\n") + "⟧";
    }
}
