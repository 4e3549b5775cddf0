using System.Text;

namespace AnyClaude.Proxy.Launch;

/// <summary>
/// Builds Windows command lines. Windows passes a program one string, not an argument vector: a program
/// built with the Microsoft C runtime (node.exe, claude.exe, pwsh.exe) splits it by CommandLineToArgvW's rules,
/// while cmd.exe, which runs every .cmd/.bat file, has rules of its own (metacharacters, %VAR% expansion inside
/// quotes). Pure string logic, so it is tested on every OS.
/// </summary>
public static class WindowsCommandLine
{
    /// <summary>The command line of a .exe: each argument quoted so CommandLineToArgvW gives it back unchanged.</summary>
    public static string ForExecutable(string program, IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var line = new StringBuilder();
        AppendProgram(line, program);
        foreach (var argument in arguments)
        {
            line.Append(' ');
            AppendArgument(line, argument);
        }
        return line.ToString();
    }

    /// <summary>The arguments only (what ProcessStartInfo.Arguments takes: .NET puts the program in front).</summary>
    public static string JoinArguments(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var line = new StringBuilder();
        foreach (var argument in arguments)
        {
            if (line.Length > 0) line.Append(' ');
            AppendArgument(line, argument);
        }
        return line.ToString();
    }

    /// <summary>
    /// The arguments for cmd.exe that run a batch file (npm's claude.cmd) with arguments that reach it, and
    /// through its %* the program it starts, unchanged: <c>/d /e:ON /v:OFF /s /c ""script" "arg" …"</c>.
    /// Every argument that is not plainly safe is quoted, so <c>&amp; | &lt; &gt; ( ) ^</c> stay literal; a quote
    /// inside is doubled (cmd's quote state flips twice and stays quoted; CommandLineToArgvW reads "" inside
    /// quotes as one quote); each % is followed by the empty substring %cd:~,% so %VAR% is never expanded
    /// (the BatBadBut fix, CVE-2024-24576, as the Rust standard library does it). Line breaks cannot be passed
    /// to a batch file at all and are refused.
    /// </summary>
    /// <exception cref="ArgumentException">A script path or an argument that cmd.exe cannot pass safely.</exception>
    public static string ForBatchFile(string script, IEnumerable<string> arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(script);
        ArgumentNullException.ThrowIfNull(arguments);
        if (script.Contains('"') || script.EndsWith('\\') || script.Contains('%') || HasLineBreakOrNul(script))
            throw new ArgumentException($"The batch file path '{script}' cannot be run through cmd.exe safely (it contains '\"', '%', a line break or ends with '\\').", nameof(script));
        var line = new StringBuilder("/d /e:ON /v:OFF /s /c \"");
        line.Append('"').Append(script).Append('"');
        foreach (var argument in arguments)
        {
            ArgumentNullException.ThrowIfNull(argument);
            if (HasLineBreakOrNul(argument))
                throw new ArgumentException($"An argument with a line break cannot be passed to the batch file '{Path.GetFileName(script)}' (cmd.exe ends the command there). Use claude.exe (the native installer) or claude.ps1 for such arguments.", nameof(arguments));
            line.Append(' ');
            AppendBatchArgument(line, argument);
        }
        line.Append('"');
        if (line.Length > MaxCmdLine)
            throw new ArgumentException($"The command line for '{Path.GetFileName(script)}' is {line.Length} characters; cmd.exe accepts at most {MaxCmdLine}.", nameof(arguments));
        return line.ToString();
    }

    /// <summary>cmd.exe's limit for one command line (characters).</summary>
    public const int MaxCmdLine = 8191;

    private static bool HasLineBreakOrNul(string s) => s.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0;

    private static void AppendProgram(StringBuilder line, string program)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        // The first token ends at the next space, or at the closing quote; it takes no escapes.
        if (program.Contains('"')) throw new ArgumentException($"A Windows program path cannot contain '\"': {program}", nameof(program));
        if (program.AsSpan().IndexOfAny(' ', '\t') >= 0) line.Append('"').Append(program).Append('"');
        else line.Append(program);
    }

    /// <summary>CommandLineToArgvW's inverse: quote when empty or when there is white space; inside, 2n
    /// backslashes + \" for n backslashes before a quote, and 2n before the closing quote.</summary>
    private static void AppendArgument(StringBuilder line, string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Contains('\0')) throw new ArgumentException("An argument cannot contain a NUL character.", nameof(argument));
        var quote = argument.Length == 0 || argument.AsSpan().IndexOfAny(" \t\n\v\"") >= 0;
        if (!quote)
        {
            line.Append(argument);
            return;
        }
        line.Append('"');
        var backslashes = 0;
        foreach (var c in argument)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }
            if (c == '"')
            {
                line.Append('\\', backslashes * 2 + 1).Append('"');
            }
            else
            {
                line.Append('\\', backslashes).Append(c);
            }
            backslashes = 0;
        }
        line.Append('\\', backslashes * 2).Append('"');
    }

    /// <summary>Characters that never need quoting for cmd.exe (everything else ASCII does).</summary>
    private const string SafeForCmd = "#$*+-./:?@\\_";

    private static void AppendBatchArgument(StringBuilder line, string argument)
    {
        // A trailing backslash is quoted too: a script's "%~1" would otherwise end in \" and lose its quote.
        var quote = argument.Length == 0 || argument[^1] == '\\';
        foreach (var c in argument)
        {
            if ((c < 128 && !char.IsAsciiLetterOrDigit(c) && !SafeForCmd.Contains(c)) || char.IsControl(c)) quote = true;
        }
        if (quote) line.Append('"');
        var backslashes = 0;
        foreach (var c in argument)
        {
            if (c == '\\')
            {
                backslashes++;
                line.Append(c);
                continue;
            }
            if (c == '"')
            {
                // n backslashes before a quote become 2n (they escape nothing then), and the quote is doubled.
                line.Append('\\', backslashes).Append("\"\"");
            }
            else if (c == '%')
            {
                line.Append("%%cd:~,%");
            }
            else
            {
                line.Append(c);
            }
            backslashes = 0;
        }
        if (quote) line.Append('\\', backslashes).Append('"');
    }
}
