using System.Globalization;
using System.Text.Json;

namespace AnyClaude.Cmdlets.Launch;

/// <summary>Which Claude Code a path runs: the version in the package.json of its npm package (found by following the
/// launcher's links up to @anthropic-ai/claude-code), or else the file's size and time, so a new build is a new key.</summary>
internal static class ClaudeVersion
{
    public static string Of(string claudePath)
    {
        try
        {
            var file = new FileInfo(claudePath);
            var target = file.LinkTarget is null ? file : file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? file;
            for (var dir = target.Directory; dir is not null; dir = dir.Parent)
            {
                var package = Path.Combine(dir.FullName, "package.json");
                if (!File.Exists(package))
                {
                    continue;
                }

                using var doc = JsonDocument.Parse(File.ReadAllBytes(package));
                if (doc.RootElement.TryGetProperty("name", out var name) && name.GetString() == "@anthropic-ai/claude-code"
                    && doc.RootElement.TryGetProperty("version", out var version) && version.GetString() is { Length: > 0 } v)
                {
                    return v;
                }
            }

            return string.Create(CultureInfo.InvariantCulture, $"{target.Length}-{target.LastWriteTimeUtc.Ticks}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return "unknown";
        }
    }
}
