using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AnyClaude.Proxy.Tests.ClaudeCode.Cli;
using Xunit;

namespace AnyClaude.Proxy.Tests.ChatTemplates;

/// <summary>One conversation to render: the chat request of each turn, and which server prepares it.</summary>
internal sealed record TemplateConversation(string Id, string Server, IReadOnlyList<string> TurnBodies);

/// <summary>One turn through one template: the template's error, or what of the conversation (Missing) and of
/// the tool definitions (MissingTools) the prompt does not show.</summary>
internal sealed record RenderedTurn(string? Error, IReadOnlyList<string> Missing, IReadOnlyList<string> MissingTools, int Chars);

/// <summary>Where turn n's prompt (without the generation prompt) stops being a prefix of turn n+1's.</summary>
internal sealed record PrefixBreak(int Turn, int At, string Earlier, string Later);

internal sealed record TemplateResult(string Template, string Conversation, IReadOnlyList<RenderedTurn> Turns,
    IReadOnlyList<PrefixBreak> PrefixBreaks, bool ObjectArguments)
{
    public string Describe() =>
        $"{Template} × {Conversation} (arguments as {(ObjectArguments ? "objects" : "strings")}):\n"
        + string.Join("\n", Turns.Select((t, i) => $"  turn {i}: " + (t.Error
            ?? (t.Missing.Count == 0 && t.MissingTools.Count == 0 ? $"ok, {t.Chars} chars"
                : $"missing {string.Join("; ", t.Missing)}" + (t.MissingTools.Count == 0 ? "" : $" + {t.MissingTools.Count} tool definitions, first: {t.MissingTools[0]}")))))
        + string.Concat(PrefixBreaks.Select(b => $"\n  prefix break after turn {b.Turn} at char {b.At}:\n    earlier …{b.Earlier}…\n    later   …{b.Later}…"));
}

/// <summary>
/// Renders chat requests through the real chat templates in tests/ChatTemplates with Python's jinja2
/// (tests/ChatTemplates/render_chat_templates.py, set up as transformers' apply_chat_template). One Python
/// process renders a whole batch: JSON in on stdin, JSON out on stdout.
/// </summary>
internal static class JinjaRenderer
{
    public static string TemplatesFolder => Path.Combine(RepositoryRoot.Path, "tests", "ChatTemplates");

    private static readonly Lazy<string?> s_python = new(FindPython);

    /// <summary>The template names in the manifest, in its order.</summary>
    public static IReadOnlyList<string> TemplateNames { get; } = ReadTemplateNames();

    /// <summary>Skips visibly when no Python with jinja2 is installed; in CI (CI=true, which installs
    /// python3-jinja2) that is a failure instead.</summary>
    public static void RequireJinja()
    {
        if (s_python.Value is not null)
            return;
        const string why = "no python3 with jinja2 (Debian: apt-get install python3-jinja2)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"CI installs python3-jinja2, but {why} was found.");
        Skip.If(true, why);
    }

    public static IReadOnlyList<TemplateResult> Render(IEnumerable<TemplateConversation> conversations, IEnumerable<string>? templates = null)
    {
        var python = s_python.Value ?? throw new InvalidOperationException("python3 with jinja2 is not available");
        var job = new JsonObject
        {
            ["manifest"] = Path.Combine(TemplatesFolder, "manifest.json").Replace('\\', '/'),
            ["conversations"] = new JsonArray(conversations.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["server"] = c.Server,
                ["turns"] = new JsonArray(c.TurnBodies.Select(b => JsonNode.Parse(b)).ToArray()),
            }).ToArray()),
        };
        if (templates is not null)
            job["templates"] = new JsonArray(templates.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray());

        var info = new ProcessStartInfo(python, [Path.Combine(TemplatesFolder, "render_chat_templates.py")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {python}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(job.ToJsonString());
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("rendering chat templates took more than 10 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{python} render_chat_templates.py exited {process.ExitCode}:\n{stderr.Result}");

        using var doc = JsonDocument.Parse(stdout.Result);
        return doc.RootElement.GetProperty("results").EnumerateArray().Select(Parse).ToList();
    }

    private static TemplateResult Parse(JsonElement r) => new(
        r.GetProperty("template").GetString()!,
        r.GetProperty("conversation").GetString()!,
        r.GetProperty("turns").EnumerateArray().Select(t => new RenderedTurn(
            t.GetProperty("error").ValueKind == JsonValueKind.String ? t.GetProperty("error").GetString() : null,
            t.GetProperty("missing").EnumerateArray().Select(m => m.GetString()!).ToList(),
            t.GetProperty("missing_tools").EnumerateArray().Select(m => m.GetString()!).ToList(),
            t.GetProperty("chars").GetInt32())).ToList(),
        r.GetProperty("prefix_breaks").EnumerateArray().Select(b => new PrefixBreak(
            b.GetProperty("turn").GetInt32(), b.GetProperty("at").GetInt32(),
            b.GetProperty("earlier").GetString()!, b.GetProperty("later").GetString()!)).ToList(),
        r.GetProperty("object_arguments").GetBoolean());

    private static IReadOnlyList<string> ReadTemplateNames()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TemplatesFolder, "manifest.json")));
        return doc.RootElement.GetProperty("templates").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToList();
    }

    // `python3` on PATH may be a pyenv build without jinja2 while Debian's /usr/bin/python3 has it.
    private static string? FindPython()
    {
        foreach (var candidate in new[] { "python3", "/usr/bin/python3", "python" })
        {
            try
            {
                var info = new ProcessStartInfo(candidate, ["-c", "import jinja2"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                using var process = Process.Start(info);
                if (process is null)
                    continue;
                process.StandardOutput.ReadToEnd();
                process.StandardError.ReadToEnd();
                if (process.WaitForExit(TimeSpan.FromSeconds(30)) && process.ExitCode == 0)
                    return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed under that name
            }
        }
        return null;
    }
}
