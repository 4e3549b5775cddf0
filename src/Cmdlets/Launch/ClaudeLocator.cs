namespace AnyClaude.Cmdlets.Launch;

/// <summary>Finds the claude executable: an explicit path, else PATH (claude.cmd / claude.exe on Windows).</summary>
internal static class ClaudeLocator
{
    /// <summary>The full path, or null; <paramref name="searched"/> says where it looked.</summary>
    public static string? Find(string? explicitPath, string currentDirectory, out string searched)
    {
        if (explicitPath is not null)
        {
            string full = Path.GetFullPath(explicitPath, currentDirectory);
            searched = full;
            return File.Exists(full) ? full : null;
        }

        string[] names = OperatingSystem.IsWindows() ? ["claude.cmd", "claude.exe", "claude.ps1"] : ["claude"];
        string pathVariable = Environment.GetEnvironmentVariable("PATH") ?? "";
        searched = $"{string.Join(" or ", names)} on PATH";
        foreach (string folder in pathVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string name in names)
            {
                string candidate = Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
