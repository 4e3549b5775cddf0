namespace AnyClaude.Proxy.Launch;

/// <summary>
/// Where claude is looked for, in order: each PATH folder (Windows: claude.exe, claude.cmd, claude.ps1 in
/// PATHEXT's order, .exe before the shims), then the native installer's folder, which is often not on PATH:
/// ~/.local/bin (%USERPROFILE%\.local\bin on Windows). Pure: the platform, PATH and home are parameters.
/// </summary>
public static class ClaudeSearch
{
    public static IReadOnlyList<string> Names(bool windows) => windows ? ["claude.exe", "claude.cmd", "claude.ps1"] : ["claude"];

    /// <summary>Every candidate path, in the order they are tried.</summary>
    public static IReadOnlyList<string> Candidates(bool windows, string? pathVariable, string? home)
    {
        var separator = windows ? ';' : ':';
        var names = Names(windows);
        var candidates = new List<string>();
        foreach (var entry in (pathVariable ?? "").Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Windows PATH entries may be quoted ("C:\Program Files\nodejs").
            var folder = windows ? entry.Trim('"') : entry;
            if (folder.Length == 0) continue;
            foreach (var name in names) candidates.Add(Join(folder, name, windows));
        }
        if (!string.IsNullOrEmpty(home))
        {
            var local = Join(Join(home, ".local", windows), "bin", windows);
            foreach (var name in names)
            {
                var path = Join(local, name, windows);
                if (!candidates.Contains(path, windows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal)) candidates.Add(path);
            }
        }
        return candidates;
    }

    /// <summary>What was searched, for the "not found" message.</summary>
    public static string Describe(bool windows, string? home)
    {
        var names = string.Join(" or ", Names(windows));
        return string.IsNullOrEmpty(home)
            ? $"{names} on PATH"
            : $"{names} on PATH and in {Join(Join(home, ".local", windows), "bin", windows)}";
    }

    /// <summary>The first candidate that exists, or null.</summary>
    public static string? Find(bool windows, string? pathVariable, string? home, Func<string, bool> exists)
    {
        ArgumentNullException.ThrowIfNull(exists);
        return Candidates(windows, pathVariable, home).FirstOrDefault(exists);
    }

    /// <summary>A path in folder on the given platform (its separator, not this machine's): the search and the module's
    /// choice of pwsh are pure, so every platform's rules are tested on one.</summary>
    public static string Join(string folder, string name, bool windows)
    {
        var separator = windows ? '\\' : '/';
        return folder.EndsWith(separator) || (windows && folder.EndsWith('/')) ? folder + name : folder + separator + name;
    }
}
