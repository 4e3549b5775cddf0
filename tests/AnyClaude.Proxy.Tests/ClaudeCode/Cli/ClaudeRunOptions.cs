using System.Text.Json;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Cli;

/// <summary>An isolated HOME, config folder and working directory, so sessions and settings stay in the test.</summary>
internal sealed class ClaudeSandbox : IDisposable
{
    public ClaudeSandbox()
    {
        Root = Directory.CreateTempSubdirectory("anyclaude-cc-").FullName;
        Directory.CreateDirectory(HomeDirectory);
        Directory.CreateDirectory(ConfigDirectory);
        Directory.CreateDirectory(WorkDirectory);
    }

    public string Root { get; }
    public string HomeDirectory => Path.Combine(Root, "home");
    public string ConfigDirectory => Path.Combine(Root, "home", ".claude");
    /// <summary>Not a git repository, so no gitStatus block varies between machines.</summary>
    public string WorkDirectory => Path.Combine(Root, "work");

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* a late child process may still hold a file; temp is cleaned eventually */ }
        catch (UnauthorizedAccessException) { }
    }
}

internal sealed record ClaudeRunOptions
{
    public required string Version { get; init; }
    public required string Prompt { get; init; }
    public required Uri BaseUrl { get; init; }
    public required ClaudeSandbox Sandbox { get; init; }
    public string Token { get; init; } = "test-token";
    /// <summary>--continue: resume the sandbox's most recent session.</summary>
    public bool Continue { get; init; }
    /// <summary>--allowedTools Bash (the way to run Bash non-interactively as root).</summary>
    public bool AllowBash { get; init; } = true;
    /// <summary>False sets CLAUDE_CODE_ATTRIBUTION_HEADER=0.</summary>
    public bool AttributionHeader { get; init; } = true;
    public string? Model { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(3);
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; } = new Dictionary<string, string>();
}

/// <summary>What a headless run produced; <see cref="Describe"/> is for assertion messages.</summary>
internal sealed record ClaudeRunResult(ClaudeRunOptions Options, int ExitCode, bool TimedOut, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>The final JSON object of --output-format json (null when stdout is not one).</summary>
    public JsonElement? Json
    {
        get
        {
            var text = Stdout.Trim();
            var start = text.LastIndexOf("\n{", StringComparison.Ordinal);
            text = start >= 0 ? text[(start + 1)..] : text;
            try
            {
                using var doc = JsonDocument.Parse(text);
                return doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    public bool IsError => Json is not { } j || !j.TryGetProperty("is_error", out var e) || e.ValueKind != JsonValueKind.False;

    public string ResultText => Json is { } j && j.TryGetProperty("result", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "";

    public string? SessionId => Json is { } j && j.TryGetProperty("session_id", out var s) ? s.GetString() : null;

    public string Describe() =>
        $"claude {Options.Version} -p \"{Options.Prompt}\"{(Options.Continue ? " --continue" : "")}: exit {ExitCode}" +
        $"{(TimedOut ? " (timed out)" : "")} after {Elapsed.TotalSeconds:F1}s\n--- stdout ---\n{Truncate(Stdout)}\n--- stderr ---\n{Truncate(Stderr)}";

    private static string Truncate(string s) => s.Length <= 4000 ? s : s[..4000] + "…";
}
