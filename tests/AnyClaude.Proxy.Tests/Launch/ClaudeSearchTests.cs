using AnyClaude.Proxy.Launch;
using Xunit;

namespace AnyClaude.Proxy.Tests.Launch;

public sealed class ClaudeSearchTests
{
    [Fact]
    public void Windows_tries_exe_then_the_npm_shims_in_each_PATH_folder_then_the_native_installers_folder()
    {
        var candidates = ClaudeSearch.Candidates(windows: true, "\"C:\\Program Files\\nodejs\";C:\\Users\\Jo Doe\\AppData\\Roaming\\npm\\;;", @"C:\Users\Jo Doe");
        Assert.Equal(
        [
            @"C:\Program Files\nodejs\claude.exe", @"C:\Program Files\nodejs\claude.cmd", @"C:\Program Files\nodejs\claude.ps1",
            @"C:\Users\Jo Doe\AppData\Roaming\npm\claude.exe", @"C:\Users\Jo Doe\AppData\Roaming\npm\claude.cmd", @"C:\Users\Jo Doe\AppData\Roaming\npm\claude.ps1",
            @"C:\Users\Jo Doe\.local\bin\claude.exe", @"C:\Users\Jo Doe\.local\bin\claude.cmd", @"C:\Users\Jo Doe\.local\bin\claude.ps1",
        ], candidates);
    }

    [Fact]
    public void The_native_installers_claude_exe_is_found_when_it_is_not_on_PATH()
    {
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { @"C:\Users\Jo\.local\bin\claude.exe" };
        Assert.Equal(@"C:\Users\Jo\.local\bin\claude.exe", ClaudeSearch.Find(windows: true, @"C:\Windows\system32", @"C:\Users\Jo", existing.Contains));
    }

    [Fact]
    public void PATH_comes_before_the_installers_folder_and_npms_shim_is_found_on_PATH()
    {
        var existing = new HashSet<string> { @"C:\npm\claude.cmd", @"C:\Users\Jo\.local\bin\claude.exe" };
        Assert.Equal(@"C:\npm\claude.cmd", ClaudeSearch.Find(windows: true, @"C:\npm", @"C:\Users\Jo", existing.Contains));
    }

    [Fact]
    public void Unix_looks_for_claude_on_PATH_then_in_local_bin()
    {
        Assert.Equal(["/usr/bin/claude", "/opt/node/bin/claude", "/home/jo/.local/bin/claude"],
            ClaudeSearch.Candidates(windows: false, "/usr/bin:/opt/node/bin/:", "/home/jo"));
        var existing = new HashSet<string> { "/home/jo/.local/bin/claude" };
        Assert.Equal("/home/jo/.local/bin/claude", ClaudeSearch.Find(windows: false, "/usr/bin", "/home/jo", existing.Contains));
        Assert.Null(ClaudeSearch.Find(windows: false, "/usr/bin", "/home/jo", _ => false));
    }

    [Fact]
    public void The_installers_folder_is_not_tried_twice_when_it_is_on_PATH()
    {
        Assert.Equal(["/home/jo/.local/bin/claude"], ClaudeSearch.Candidates(windows: false, "/home/jo/.local/bin", "/home/jo"));
    }

    [Fact]
    public void The_not_found_message_names_every_place_searched()
    {
        Assert.Equal(@"claude.exe or claude.cmd or claude.ps1 on PATH and in C:\Users\Jo\.local\bin", ClaudeSearch.Describe(windows: true, @"C:\Users\Jo"));
        Assert.Equal("claude on PATH and in /home/jo/.local/bin", ClaudeSearch.Describe(windows: false, "/home/jo"));
    }
}
