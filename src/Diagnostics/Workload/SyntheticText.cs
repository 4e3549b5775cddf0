using System.Globalization;
using System.Text;

namespace AnyClaude.Diagnostics.Workload;

/// <summary>
/// Deterministic filler prose built from a small technical vocabulary. The point is realistic
/// size and character mix (punctuation, quotes, newlines, backticks), not meaning.
/// </summary>
public sealed class SyntheticText
{
    private static readonly string[] s_words =
    [
        "the", "a", "file", "path", "command", "output", "result", "value", "when", "with", "each",
        "before", "after", "must", "should", "never", "always", "only", "project", "module", "tool",
        "parameter", "directory", "pattern", "search", "match", "line", "offset", "limit", "user",
        "request", "response", "stream", "buffer", "error", "message", "context", "session", "task",
        "change", "review", "edit", "write", "read", "run", "check", "test", "build", "repository",
        "branch", "commit", "status", "absolute", "relative", "optional", "required", "default",
        "returns", "accepts", "prefer", "avoid", "instead", "unless", "exactly", "several", "parallel",
        "background", "timeout", "seconds", "characters", "lines", "entries", "results", "schema",
        "object", "array", "string", "number", "boolean", "configuration", "environment", "shell",
    ];

    private static readonly string[] s_decorations = ["`", "\"", "'", "(", "<"];
    private static readonly string[] s_closers = ["`", "\"", "'", ")", ">"];

    private readonly Random _random;

    public SyntheticText(int seed) => _random = new Random(seed);

    /// <summary>One sentence of 6–22 words, sometimes with a quoted or code-marked word.</summary>
    public string Sentence()
    {
        var sb = new StringBuilder();
        var count = _random.Next(6, 23);
        for (var i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(' ');
            var word = s_words[_random.Next(s_words.Length)];
            if (i == 0) word = char.ToUpperInvariant(word[0]) + word[1..];
            var deco = _random.Next(14);
            if (deco < s_decorations.Length && i > 0)
                sb.Append(s_decorations[deco]).Append(word).Append(s_closers[deco]);
            else
                sb.Append(word);
            if (i < count - 1 && _random.Next(9) == 0) sb.Append(',');
        }
        return sb.Append('.').ToString();
    }

    /// <summary>Paragraphs (blank-line separated, some bulleted) until at least <paramref name="chars"/> characters.</summary>
    public string Prose(int chars)
    {
        var sb = new StringBuilder(chars + 200);
        while (sb.Length < chars)
        {
            if (sb.Length > 0) sb.Append("\n\n");
            if (_random.Next(4) == 0)
            {
                var bullets = _random.Next(2, 6);
                for (var i = 0; i < bullets && sb.Length < chars; i++)
                    sb.Append(i == 0 ? "" : "\n").Append("- ").Append(Sentence());
            }
            else
            {
                var sentences = _random.Next(2, 6);
                for (var i = 0; i < sentences && sb.Length < chars; i++)
                    sb.Append(i == 0 ? "" : " ").Append(Sentence());
            }
        }
        return sb.ToString();
    }

    /// <summary>Source-like lines ("   12\tcode") as a file-read tool result renders them.</summary>
    public string NumberedSource(int lines)
    {
        var sb = new StringBuilder(lines * 48);
        var indent = 0;
        for (var i = 1; i <= lines; i++)
        {
            sb.Append(i.ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append('\t');
            var roll = _random.Next(10);
            if (roll == 0 && indent < 3) { sb.Append(' ', indent * 4).Append("if (").Append(Identifier()).Append(" != null)\n"); sb.Append(i.ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append('\t').Append(' ', indent * 4).Append("{\n"); i++; indent++; continue; }
            if (roll == 1 && indent > 0) { indent--; sb.Append(' ', indent * 4).Append("}\n"); continue; }
            sb.Append(' ', indent * 4).Append("var ").Append(Identifier()).Append(" = ").Append(Identifier())
              .Append('.').Append(Identifier()).Append("(\"").Append(s_words[_random.Next(s_words.Length)]).Append("\");\n");
        }
        return sb.ToString();
    }

    public string Identifier()
    {
        var a = s_words[_random.Next(s_words.Length)];
        var b = s_words[_random.Next(s_words.Length)];
        return a + char.ToUpperInvariant(b[0]) + b[1..];
    }

    public string Word() => s_words[_random.Next(s_words.Length)];

    public int Next(int min, int max) => _random.Next(min, max);

    public string Hex(int length)
    {
        const string digits = "0123456789abcdef";
        return string.Create(length, _random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = digits[r.Next(16)];
        });
    }
}
