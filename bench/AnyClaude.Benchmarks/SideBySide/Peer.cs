using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AnyClaude.Benchmarks.Loopback;
using AnyClaude.Diagnostics.Workload;

namespace AnyClaude.Benchmarks.SideBySide;

/// <summary>
/// One proxy of the side-by-side benchmark, in a process of its own, started the way its users start it, in front of
/// the canned backend: ours (the built module in pwsh: Import-Module, Start-AnyClaude LmStudio -NoLaunch), the plain
/// Python translator (bench/reference-translator), claude-code-router from npm (pinned, installed into .cache/).
/// <see cref="Pid"/> is the process that serves (pwsh's own $PID, not the `dotnet pwsh` launcher).
/// </summary>
internal sealed class Peer : IDisposable
{
    private readonly Process _process;
    private readonly string _scratch;

    private Peer(string name, Process process, Uri baseUrl, string token, int pid, string startup, string scratch)
    {
        Name = name;
        _process = process;
        BaseUrl = baseUrl;
        Token = token;
        Pid = pid;
        Startup = startup;
        _scratch = scratch;
    }

    public string Name { get; }
    public Uri BaseUrl { get; }
    public string Token { get; }
    public int Pid { get; }
    /// <summary>How long it took to start, as text for the report.</summary>
    public string Startup { get; }
    /// <summary>Requests sent to it so far (the RSS figure is taken after 1,000).</summary>
    public int Requests { get; set; }

    /// <summary>The module as a user starts it: `dotnet pwsh` from the repository's tool manifest, Import-Module, then
    /// Start-AnyClaude LmStudio -NoLaunch, with config and state in a scratch folder. The config file sets the backend's
    /// maxConcurrency to <paramref name="maxConcurrency"/> (the default for a loopback backend is 1, which would queue
    /// the concurrent-streams phase where the peers serve all streams at once).</summary>
    public static Peer StartOurs(string repo, string modulePath, Uri backendBase, int maxConcurrency)
    {
        var scratch = Scratch("ours");
        Directory.CreateDirectory(Path.Combine(scratch, "state"));
        var config = Path.Combine(scratch, "config.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new { backends = new { lmstudio = new { maxConcurrency } } }));
        var script = $$"""
            $ErrorActionPreference = 'Stop'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            Import-Module '{{modulePath.Replace("'", "''")}}'
            $import = $clock.Elapsed.TotalMilliseconds
            $proxy = Start-AnyClaude LmStudio -NoLaunch
            $start = $clock.Elapsed.TotalMilliseconds - $import
            "READY $($proxy.ProcessId) $($proxy.BaseUrl) $($proxy.Token) $([int]$import) $([int]$start)"
            [Console]::In.ReadToEnd() | Out-Null
            Stop-AnyClaude
            """;
        var info = Info("dotnet", repo, ["pwsh", "-NoProfile", "-NonInteractive", "-Command", script]);
        foreach (var name in new[] { "ANYCLAUDE_MODE", "ANYCLAUDE_PORT", "LMSTUDIO_API_KEY", "ANYCLAUDE_STATE_DIR", "ANYCLAUDE_CONFIG" })
            info.Environment.Remove(name);
        info.Environment["LMSTUDIO_URL"] = new Uri(backendBase, "v1").ToString();
        info.Environment["LMSTUDIO_MODEL"] = OpenAiStream.ModelId;
        info.Environment["ANYCLAUDE_CONFIG"] = config;
        info.Environment["ANYCLAUDE_STATE_DIR"] = Path.Combine(scratch, "state");
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet pwsh");
        var ready = ChildProcess.WaitForLine(process, "READY ").Split(' ');
        ChildProcess.DrainOutput(process);
        return new Peer("ours", process, new Uri(ready[1]), ready[2], int.Parse(ready[0]), $"Import-Module {ready[3]} ms, Start-AnyClaude {ready[4]} ms", scratch);
    }

    /// <summary>The plain translator: python3 bench/reference-translator/translator.py.</summary>
    public static Peer StartPython(string repo, Uri backendBase)
    {
        var clock = Stopwatch.StartNew();
        var script = Path.Combine(repo, "bench", "reference-translator", "translator.py");
        var info = Info("python3", repo, [script, "--backend", new Uri(backendBase, "v1").ToString(), "--model", OpenAiStream.ModelId, "--port", "0"]);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start python3");
        var port = int.Parse(ChildProcess.WaitForLine(process, "PORT "));
        ChildProcess.DrainOutput(process);
        return new Peer("python", process, new Uri($"http://127.0.0.1:{port}/"), "unused", process.Id,
            $"process start to listening {clock.ElapsedMilliseconds} ms", Scratch("python"));
    }

    /// <summary>claude-code-router (`ccr start`, the server in the foreground), installed with npm into
    /// .cache/claude-code-router/VERSION if missing; its home (config.json) in a scratch folder. One provider pointing
    /// at the backend's /v1/chat/completions, no provider transformer: ccr's own Anthropic → OpenAI Chat path, which is
    /// what its README configures for an OpenAI-compatible local server (Ollama, LM Studio).</summary>
    public static async Task<Peer> StartCcrAsync(string repo, string version, Uri backendBase)
    {
        var cli = InstallCcr(repo, version);
        var home = Scratch("ccr");
        Directory.CreateDirectory(Path.Combine(home, ".claude-code-router"));
        // Claude Code's own folder, which every user of ccr has (ccr looks up the session's project in it per request).
        Directory.CreateDirectory(Path.Combine(home, ".claude", "projects"));
        var port = FreePort();
        var token = "bench-" + Guid.NewGuid().ToString("N");
        var config = new Dictionary<string, object>
        {
            ["LOG"] = false,
            ["HOST"] = "127.0.0.1",
            ["PORT"] = port,
            ["APIKEY"] = token,
            ["API_TIMEOUT_MS"] = 600000,
            ["Providers"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["name"] = "lmstudio",
                    ["api_base_url"] = new Uri(backendBase, "v1/chat/completions").ToString(),
                    ["api_key"] = "lm-studio",
                    ["models"] = new[] { OpenAiStream.ModelId },
                },
            },
            ["Router"] = new Dictionary<string, object> { ["default"] = "lmstudio," + OpenAiStream.ModelId },
        };
        File.WriteAllText(Path.Combine(home, ".claude-code-router", "config.json"), JsonSerializer.Serialize(config));
        var clock = Stopwatch.StartNew();
        var info = Info("node", repo, [cli, "start"]);
        info.Environment["HOME"] = home;
        info.Environment["USERPROFILE"] = home;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        ChildProcess.DrainOutput(process);
        while (!await AcceptsAsync(port))
        {
            if (process.HasExited) throw new InvalidOperationException($"claude-code-router exited ({process.ExitCode}) before listening");
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("claude-code-router did not listen within 60 s");
            await Task.Delay(50);
        }
        return new Peer($"ccr {version}", process, new Uri($"http://127.0.0.1:{port}/"), token, process.Id,
            $"process start to listening {clock.ElapsedMilliseconds} ms", home);
    }

    private static string InstallCcr(string repo, string version)
    {
        var prefix = Path.Combine(repo, ".cache", "claude-code-router", version);
        var cli = Path.Combine(prefix, "node_modules", "@musistudio", "claude-code-router", "dist", "cli.js");
        if (File.Exists(cli)) return cli;
        Directory.CreateDirectory(prefix);
        var info = Info(OperatingSystem.IsWindows() ? "npm.cmd" : "npm", prefix,
            ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", $"@musistudio/claude-code-router@{version}"]);
        info.RedirectStandardInput = false;
        using var npm = Process.Start(info) ?? throw new InvalidOperationException("could not start npm");
        Console.Error.Write(npm.StandardOutput.ReadToEnd());
        npm.WaitForExit();
        if (npm.ExitCode != 0 || !File.Exists(cli)) throw new InvalidOperationException($"npm install @musistudio/claude-code-router@{version} failed ({npm.ExitCode})");
        return cli;
    }

    private static ProcessStartInfo Info(string file, string workingDirectory, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }

    private static string Scratch(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"anyclaude-side-by-side-{Environment.ProcessId}-{name}");
        Directory.CreateDirectory(path);
        return path;
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            // ours and python stop when stdin closes; ccr serves until it is signalled (`ccr stop` kills it too).
            _process.StandardInput.Close();
            if (Name.StartsWith("ccr", StringComparison.Ordinal) || !_process.WaitForExit(10_000)) _process.Kill();
        }
        catch (InvalidOperationException) { /* already gone */ }
        try
        {
            // The `dotnet pwsh` launcher's child, should it outlive its parent.
            if (Pid != _process.Id) Process.GetProcessById(Pid).Kill();
        }
        catch (ArgumentException) { /* exited with its parent */ }
        catch (InvalidOperationException) { }
        _process.Dispose();
        try { Directory.Delete(_scratch, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
