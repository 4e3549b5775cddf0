using System.Text;

namespace AnyClaude.Proxy.Tests.Launch;

/// <summary>
/// Test-side models of how Windows reads a command line, written from the documented rules (Microsoft's
/// "Parsing C command-line arguments" for the UCRT, which node.exe, pwsh.exe and claude.exe use; cmd.exe's
/// /S /C quote stripping, %-expansion and metacharacters as documented in cmd /? and the BatBadBut advisory),
/// so the quoting can be checked without Windows.
/// </summary>
internal static class WindowsParsers
{
    /// <summary>Splits the arguments part of a command line (the program name already removed) as the UCRT does.</summary>
    public static List<string> ParseArguments(string line)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        var inQuotes = false;
        var any = false;
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (!inQuotes && (c == ' ' || c == '\t'))
            {
                if (any) args.Add(current.ToString());
                current.Clear();
                any = false;
                i++;
                continue;
            }
            any = true;
            if (c == '\\')
            {
                var n = 0;
                while (i < line.Length && line[i] == '\\') { n++; i++; }
                if (i < line.Length && line[i] == '"')
                {
                    current.Append('\\', n / 2);
                    if (n % 2 == 1) { current.Append('"'); i++; }
                }
                else current.Append('\\', n);
                continue;
            }
            if (c == '"')
            {
                if (inQuotes && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i += 2; continue; }
                inQuotes = !inQuotes;
                i++;
                continue;
            }
            current.Append(c);
            i++;
        }
        if (any) args.Add(current.ToString());
        return args;
    }

    /// <summary>
    /// What cmd.exe does with "/d /e:ON /v:OFF /s /c "&lt;body&gt;"": strips the outer quotes (/s), expands
    /// %VAR% (command-line rules: a defined name is replaced, %cd:~,% is the empty substring of the current
    /// directory, anything else stays), then reports any metacharacter outside quotes (it would start another
    /// command or a redirection). Returns the expanded command.
    /// </summary>
    public static string RunCmd(string cmdArguments, IReadOnlyDictionary<string, string> environment, out List<char> unquotedMetacharacters)
    {
        const string Prefix = "/d /e:ON /v:OFF /s /c ";
        if (!cmdArguments.StartsWith(Prefix, StringComparison.Ordinal)) throw new InvalidOperationException("unexpected cmd switches: " + cmdArguments);
        var body = cmdArguments[Prefix.Length..];
        // /S: remove the first and the last quote of the rest of the line.
        var first = body.IndexOf('"');
        var last = body.LastIndexOf('"');
        if (first < 0 || last == first) throw new InvalidOperationException("no outer quotes");
        body = body.Remove(last, 1).Remove(first, 1);

        var expanded = new StringBuilder();
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != '%') { expanded.Append(body[i]); continue; }
            var close = body.IndexOf('%', i + 1);
            if (close < 0) { expanded.Append('%'); continue; }
            var name = body[(i + 1)..close];
            if (name == "cd:~,") { i = close; continue; }
            if (environment.TryGetValue(name, out var value)) { expanded.Append(value); i = close; continue; }
            expanded.Append('%'); // not a defined variable: the % stays and scanning goes on after it
        }

        unquotedMetacharacters = [];
        var inQuotes = false;
        var result = expanded.ToString();
        for (var i = 0; i < result.Length; i++)
        {
            var c = result[i];
            if (c == '"') inQuotes = !inQuotes;
            else if (!inQuotes && c == '^') i++;
            else if (!inQuotes && "&|<>()".Contains(c)) unquotedMetacharacters.Add(c);
        }
        return result;
    }
}
