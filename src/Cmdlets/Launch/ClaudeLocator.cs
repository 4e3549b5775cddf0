using AnyClaude.Proxy.Launch;

namespace AnyClaude.Cmdlets.Launch;

/// <summary>Finds the claude executable: an explicit path, else PATH, else the native installer's ~/.local/bin
/// (the search order is <see cref="ClaudeSearch"/>, tested on every OS).</summary>
internal static class ClaudeLocator
{
    /// <summary>The full path, or null; <paramref name="searched"/> says where it looked.</summary>
    public static string? Find(string? explicitPath, string currentDirectory, out string searched)
    {
        if (explicitPath is not null)
        {
            var full = Path.GetFullPath(explicitPath, currentDirectory);
            searched = full;
            return File.Exists(full) ? full : null;
        }

        var windows = OperatingSystem.IsWindows();
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
        searched = ClaudeSearch.Describe(windows, home);
        return ClaudeSearch.Find(windows, Environment.GetEnvironmentVariable("PATH"), home, File.Exists);
    }
}
