using System.Diagnostics;
using AnyClaude.Cmdlets.Launch;
using AnyClaude.Proxy.Launch;
using Xunit;

namespace AnyClaude.Proxy.Tests.Launch;

/// <summary>How claude is started on each platform: pure logic, so every platform's rules run here on Linux.</summary>
public sealed class ClaudeLaunchTests
{
    /// <summary>Arguments that break naive quoting: spaces, quotes, cmd.exe metacharacters, %VAR%, carets,
    /// backslashes before quotes and at the end, empty strings, non-ASCII.</summary>
    public static TheoryData<string[]> HostileArguments => new()
    {
        { ["-p", "Summarise README.md"] },
        { ["--model", "qwen/qwen3-coder-30b", ""] },
        { ["say \"hi\" & calc.exe"] },
        { ["\" & calc.exe & \""] },
        { ["a&b", "a|b", "a<b>c", "(x)", "^", "a^b", "!x!"] },
        { ["%PATH%", "100%", "%%", "%cd:~,%", "50% off %USERNAME% here"] },
        { ["C:\\Program Files\\dir\\", "trailing\\\\", "back\\\"slash", "\\\\\"\"", "\\"] },
        { ["tab\there", "  leading and trailing  ", "ünïcødé 日本語", "emoji 🙂"] },
        { ["--append-system-prompt", "Use \"double\" and 'single' quotes; 100% & done^"] },
        { ["--flag:value", "-x:y", "--model=a b", "-File", "--", "it's ’quoted’", "$HOME `n"] },
    };

    private static readonly Dictionary<string, string> s_cmdEnvironment = new(StringComparer.OrdinalIgnoreCase)
    {
        ["PATH"] = @"C:\Windows\system32", ["USERNAME"] = "victim", ["cd"] = @"C:\work",
    };

    [Theory]
    [MemberData(nameof(HostileArguments))]
    public void An_exe_gets_every_argument_back_unchanged(string[] arguments)
    {
        var command = PowerShellLaunch.Plan(@"C:\Users\Jo Doe\.local\bin\claude.exe", arguments, windows: true, ["pwsh.exe"], @"C:\Windows\system32\cmd.exe");

        Assert.Equal(ClaudeKind.Executable, command.Kind);
        Assert.Equal(@"C:\Users\Jo Doe\.local\bin\claude.exe", command.FileName);
        Assert.NotNull(command.CommandLine);
        Assert.Equal(arguments, WindowsParsers.ParseArguments(command.CommandLine!));
    }

    [Theory]
    [MemberData(nameof(HostileArguments))]
    public void A_cmd_shim_runs_through_cmd_with_no_injection_and_no_expansion(string[] arguments)
    {
        const string Shim = @"C:\Users\Jo Doe\AppData\Roaming\npm\claude.cmd";
        var command = PowerShellLaunch.Plan(Shim, arguments, windows: true, ["pwsh.exe"], @"C:\Windows\system32\cmd.exe");

        Assert.Equal(ClaudeKind.BatchFile, command.Kind);
        Assert.Equal(@"C:\Windows\system32\cmd.exe", command.FileName);
        var line = WindowsParsers.RunCmd(command.CommandLine!, s_cmdEnvironment, out var metacharacters);
        Assert.Empty(metacharacters);
        // cmd runs the quoted script; its "%*" hands the rest to node.exe, which splits it by the UCRT's rules.
        Assert.StartsWith($"\"{Shim}\" ", line + " ");
        var rest = line[(Shim.Length + 2)..];
        Assert.Equal(arguments, WindowsParsers.ParseArguments(rest));
    }

    [Fact]
    public void Percent_signs_are_kept_from_expansion_the_way_the_BatBadBut_fix_does()
    {
        // Without the %cd:~,% guard cmd.exe would put the value of PATH here.
        var command = PowerShellLaunch.Plan(@"C:\npm\claude.cmd", ["%PATH%"], windows: true, [], null);
        Assert.Equal("/d /e:ON /v:OFF /s /c \"\"C:\\npm\\claude.cmd\" \"%%cd:~,%PATH%%cd:~,%\"\"", command.CommandLine);
        Assert.Equal("cmd.exe", command.FileName);
    }

    [Theory]
    [InlineData("line\nbreak")]
    [InlineData("carriage\rreturn")]
    [InlineData("nul\0char")]
    public void A_cmd_shim_refuses_arguments_cmd_cannot_pass(string argument)
    {
        var e = Assert.Throws<ArgumentException>(() => PowerShellLaunch.Plan(@"C:\npm\claude.cmd", ["-p", argument], windows: true, [], null));
        Assert.Contains("claude.cmd", e.Message);
    }

    [Fact]
    public void A_cmd_line_longer_than_cmd_accepts_is_refused_with_the_limit()
    {
        var e = Assert.Throws<ArgumentException>(() => PowerShellLaunch.Plan(@"C:\npm\claude.cmd", [new string('x', 9000)], windows: true, [], null));
        Assert.Contains("8191", e.Message);
    }

    [Theory]
    [MemberData(nameof(HostileArguments))]
    public void A_ps1_shim_runs_through_the_current_pwsh_on_Windows(string[] arguments)
    {
        const string Script = @"C:\Users\Jo O'Doe\AppData\Roaming\npm\claude.ps1";
        var command = PowerShellLaunch.Plan(Script, arguments, windows: true, [@"C:\Program Files\PowerShell\7\pwsh.exe"], null);

        Assert.Equal(ClaudeKind.PowerShellScript, command.Kind);
        Assert.Equal(@"C:\Program Files\PowerShell\7\pwsh.exe", command.FileName);
        var argv = WindowsParsers.ParseArguments(command.CommandLine!);
        Assert.Equal(["-NoProfile", "-NoLogo", "-EncodedCommand"], argv[..3]);
        Assert.Equal(PowerShellLaunch.PowerShellInvocation(Script, arguments),
            System.Text.Encoding.Unicode.GetString(Convert.FromBase64String(Assert.Single(argv[3..]))));
    }

    [Fact]
    public void A_ps1_shim_runs_through_dotnet_pwsh_when_that_is_the_current_pwsh()
    {
        var command = PowerShellLaunch.Plan("/home/jo/npm/claude.ps1", ["-p", "a b"], windows: false, ["/usr/share/dotnet/dotnet", "/tools/pwsh.dll"], null);
        Assert.Equal("/usr/share/dotnet/dotnet", command.FileName);
        Assert.Equal(["/tools/pwsh.dll", "-NoProfile", "-NoLogo", "-EncodedCommand", PowerShellLaunch.EncodeCommand(
            "$claudeArguments = @('-p', 'a b'); & '/home/jo/npm/claude.ps1' @claudeArguments; exit $LASTEXITCODE")], command.Arguments);
        Assert.Null(command.CommandLine);
    }

    [Fact]
    public void The_ps1_runs_with_the_sessions_own_pwsh_wherever_it_is_hosted()
    {
        // Installed pwsh (any host process: VS Code's extension host too): $PSHOME's executable.
        Assert.Equal([@"C:\Program Files\PowerShell\7\pwsh.exe"], PowerShellLaunch.PwshCommand(@"C:\Program Files\PowerShell\7",
            @"C:\Program Files\Microsoft VS Code\Code.exe", windows: true, p => p == @"C:\Program Files\PowerShell\7\pwsh.exe"));
        Assert.Equal(["/opt/microsoft/powershell/7/pwsh"], PowerShellLaunch.PwshCommand("/opt/microsoft/powershell/7", "/opt/microsoft/powershell/7/pwsh",
            windows: false, p => p == "/opt/microsoft/powershell/7/pwsh"));
        // The dotnet tool: pwsh.dll through the dotnet running it.
        Assert.Equal(["/usr/share/dotnet/dotnet", "/t/.store/powershell/7.6.9/pwsh.dll"], PowerShellLaunch.PwshCommand("/t/.store/powershell/7.6.9",
            "/usr/share/dotnet/dotnet", windows: false, _ => true));
        Assert.Equal(["dotnet", "/t/pwsh.dll"], PowerShellLaunch.PwshCommand("/t", "/usr/bin/myhost", windows: false, p => p.EndsWith("pwsh.dll", StringComparison.Ordinal)));
        // Nothing in $PSHOME: pwsh from PATH.
        Assert.Equal(["pwsh"], PowerShellLaunch.PwshCommand(null, null, windows: false, _ => false));
        Assert.Equal(["pwsh.exe"], PowerShellLaunch.PwshCommand(@"C:\x", null, windows: true, _ => false));
    }

    [Fact]
    public void PowerShell_literals_double_every_kind_of_single_quote()
    {
        Assert.Equal("'it''s'", PowerShellLaunch.Literal("it's"));
        Assert.Equal("'\u2018\u2018x\u2019\u2019\u201A\u201A\u201B\u201B'", PowerShellLaunch.Literal("\u2018x\u2019\u201A\u201B"));
        Assert.Equal("'$HOME `n \"'", PowerShellLaunch.Literal("$HOME `n \""));
        Assert.Equal("''", PowerShellLaunch.Literal(""));
    }

    [Theory]
    [MemberData(nameof(HostileArguments))]
    public void On_Unix_the_argument_vector_is_passed_as_it_is(string[] arguments)
    {
        var command = PowerShellLaunch.Plan("/home/jo doe/.local/bin/claude", arguments, windows: false, ["pwsh"], null);
        Assert.Equal(ClaudeKind.Executable, command.Kind);
        Assert.Equal("/home/jo doe/.local/bin/claude", command.FileName);
        Assert.Equal(arguments, command.Arguments);
        Assert.Null(command.CommandLine);
    }

    [Theory]
    [InlineData(@"C:\npm\claude.CMD", true, ClaudeKind.BatchFile)]
    [InlineData(@"C:\npm\claude.bat", true, ClaudeKind.BatchFile)]
    [InlineData(@"C:\npm\claude.Ps1", true, ClaudeKind.PowerShellScript)]
    [InlineData(@"C:\bin\claude.exe", true, ClaudeKind.Executable)]
    [InlineData("/opt/npm/claude.ps1", false, ClaudeKind.PowerShellScript)]
    [InlineData("/opt/npm/claude.cmd", false, ClaudeKind.Executable)]
    [InlineData("/opt/npm/claude", false, ClaudeKind.Executable)]
    public void The_kind_of_launcher_follows_its_extension(string path, bool windows, ClaudeKind kind) =>
        Assert.Equal(kind, ClaudeLaunch.KindOf(path, windows));

    /// <summary>Windows drops trailing dots and spaces from a file name, so CreateProcess runs "claude.cmd." or
    /// "claude.bat " through cmd.exe: with exe quoting its arguments would reach cmd unescaped (Rust's follow-up to
    /// BatBadBut, CVE-2024-43402). Such a path is a batch file and gets the cmd.exe quoting.</summary>
    [Theory]
    [InlineData(@"C:\npm\claude.cmd.")]
    [InlineData(@"C:\npm\claude.cmd ")]
    [InlineData(@"C:\npm\claude.BAT. . ")]
    public void A_batch_path_with_trailing_dots_or_spaces_still_runs_with_cmd_quoting(string path)
    {
        Assert.Equal(ClaudeKind.BatchFile, ClaudeLaunch.KindOf(path, windows: true));
        var command = PowerShellLaunch.Plan(path, ["\" & calc.exe & \""], windows: true, ["pwsh.exe"], @"C:\Windows\system32\cmd.exe");
        Assert.Equal(@"C:\Windows\system32\cmd.exe", command.FileName);
        WindowsParsers.RunCmd(command.CommandLine!, s_cmdEnvironment, out var metacharacters);
        Assert.Empty(metacharacters);
    }

    [Theory]
    [InlineData(@"C:\npm\claude.ps1.", ClaudeKind.PowerShellScript)]
    [InlineData(@"C:\bin\claude.exe.", ClaudeKind.Executable)]
    public void Other_launchers_with_trailing_dots_keep_their_kind_on_Windows(string path, ClaudeKind kind) =>
        Assert.Equal(kind, ClaudeLaunch.KindOf(path, windows: true));

    [Theory]
    [InlineData("C:\\npm\\\"evil\".cmd")]
    [InlineData("C:\\npm\\%PATH%\\claude.cmd")]
    public void A_batch_path_cmd_cannot_run_safely_is_refused(string path) =>
        Assert.Throws<ArgumentException>(() => PowerShellLaunch.Plan(path, [], windows: true, [], null));

    /// <summary>The engine plans what the operating system runs; pwsh and its quoting belong to the module.</summary>
    [Fact]
    public void The_engine_leaves_a_ps1_launcher_to_the_module()
    {
        Assert.Throws<ArgumentException>(() => ClaudeLaunch.Plan("/home/jo/npm/claude.ps1", ["-p"], windows: false, null));
        Assert.Equal(ClaudeKind.PowerShellScript, PowerShellLaunch.Plan("/home/jo/npm/claude.ps1", ["-p"], windows: false, ["pwsh"], null).Kind);
    }

    [SkippableTheory]
    [MemberData(nameof(HostileArguments))]
    public void A_real_Unix_process_receives_the_arguments_unchanged(string[] arguments)
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix process start; the Windows rules are checked by the tests above.");
        var folder = Directory.CreateTempSubdirectory("anyclaude launch ");
        try
        {
            // A stand-in claude in a folder with a space that prints each argument followed by a NUL.
            var claude = Path.Combine(folder.FullName, "claude");
            File.WriteAllText(claude, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(claude, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var command = PowerShellLaunch.Plan(claude, arguments, windows: false, ["pwsh"], null);
            var info = new ProcessStartInfo(command.FileName) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in command.Arguments) info.ArgumentList.Add(argument);
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(30_000));
            var received = output.Split('\0')[..^1];
            Assert.Equal(arguments, received);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
