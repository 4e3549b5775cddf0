using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Cli;

/// <summary>
/// The real Claude Code CLI (npm package @anthropic-ai/claude-code), pinned per version under
/// &lt;repo&gt;/.cache/claude-code/&lt;version&gt;, installed on first use with npm.
/// </summary>
/// <remarks>
/// Permissions when running as root (as CI does): <c>--dangerously-skip-permissions</c> is refused
/// ("cannot be used with root/sudo privileges for security reasons", both 2.0.77 and 2.1.197), so
/// runs allow tools by name instead with <c>--allowedTools Bash</c>, which both versions accept in
/// <c>-p</c> mode as root and which lets Bash run without a prompt.
/// </remarks>
internal static class ClaudeCodeCli
{
    /// <summary>The newest version pinned: Claude Code's own handling of errors (retries, "prompt is too long") is
    /// checked against it and <see cref="Current"/>. Not in <see cref="PinnedVersions"/> yet: the recordings and the
    /// footprint constants are measured for those.</summary>
    public const string Newest = "2.1.332";
    /// <summary>The version the recordings and footprint figures are verified against.</summary>
    public const string Current = "2.1.197";
    /// <summary>An older 2.0.x build: no attribution line, no role "system" messages, warm-up side requests.</summary>
    public const string Legacy = "2.0.77";

    public static readonly IReadOnlyList<string> PinnedVersions = [Current, Legacy];

    /// <summary>The versions whose error handling (retry rule, what they display, compaction) the tests check.</summary>
    public static readonly IReadOnlyList<string> ErrorHandlingVersions = [Newest, Current];

    /// <summary>The model each version picks by default, passed explicitly with --model: without it, 2.1.197's
    /// first launch in a fresh config folder says "Opus 4.8 (1M context)" in its system prompt and later launches
    /// do not, which changes the system prompt between a run and its --continue.</summary>
    public static string DefaultModel(string version) => version == Legacy ? "claude-sonnet-4-5-20250929" : "claude-opus-4-8";

    private static readonly ConcurrentDictionary<string, Lazy<string>> s_executables = new();

    /// <summary>The claude executable of a version, installing it once per test run (thread-safe).
    /// Throws with npm's output when the install fails: these tests never skip silently.</summary>
    public static string Executable(string version) =>
        s_executables.GetOrAdd(version, v => new Lazy<string>(() => Install(v))).Value;

    /// <summary>Runs claude headless (<c>-p … --output-format json</c>) in a sandbox against baseUrl.</summary>
    public static async Task<ClaudeRunResult> RunAsync(ClaudeRunOptions options)
    {
        var exe = Executable(options.Version);
        var psi = new ProcessStartInfo(exe)
        {
            WorkingDirectory = options.Sandbox.WorkDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-p");
        psi.ArgumentList.Add(options.Prompt);
        psi.ArgumentList.Add("--output-format");
        psi.ArgumentList.Add("json");
        if (options.AllowBash)
        {
            psi.ArgumentList.Add("--allowedTools");
            psi.ArgumentList.Add("Bash");
        }
        if (options.Continue)
            psi.ArgumentList.Add("--continue");
        if (options.Model is { } model)
        {
            psi.ArgumentList.Add("--model");
            psi.ArgumentList.Add(model);
        }

        ConfigureEnvironment(psi.Environment, options);

        using var process = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        var started = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close(); // -p must never wait for a terminal
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(options.Timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.WaitForExit(); // flushes the async readers

        return new ClaudeRunResult(options, timedOut ? -1 : process.ExitCode, timedOut,
            stdout.ToString(), stderr.ToString(), started.Elapsed);
    }

    private static void ConfigureEnvironment(IDictionary<string, string?> env, ClaudeRunOptions options)
    {
        // Nothing of the developer's own Claude setup may leak in (keys, settings, sessions).
        foreach (var key in env.Keys.Where(k => k.StartsWith("ANTHROPIC_", StringComparison.Ordinal)
                     || k.StartsWith("CLAUDE_", StringComparison.Ordinal)).ToList())
            env.Remove(key);
        env["HOME"] = options.Sandbox.HomeDirectory;
        env["CLAUDE_CONFIG_DIR"] = options.Sandbox.ConfigDirectory;
        env["XDG_CONFIG_HOME"] = Path.Combine(options.Sandbox.HomeDirectory, ".config");
        env["ANTHROPIC_BASE_URL"] = options.BaseUrl.ToString().TrimEnd('/');
        env["ANTHROPIC_AUTH_TOKEN"] = options.Token;
        env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
        env["DISABLE_AUTOUPDATER"] = "1";
        env["API_TIMEOUT_MS"] = ((int)options.Timeout.TotalMilliseconds).ToString();
        if (!options.AttributionHeader)
            env["CLAUDE_CODE_ATTRIBUTION_HEADER"] = "0";
        foreach (var (key, value) in options.ExtraEnvironment)
            env[key] = value;
    }

    private static string Install(string version)
    {
        var prefix = Path.Combine(RepositoryRoot.Path, ".cache", "claude-code", version);
        var exe = Path.Combine(prefix, "node_modules", ".bin", OperatingSystem.IsWindows() ? "claude.cmd" : "claude");
        if (File.Exists(exe) && Works(exe, version))
            return exe;

        Directory.CreateDirectory(prefix);
        // One npm at a time: parallel installs into sibling prefixes share npm's cache.
        lock (s_npmLock)
        {
            var psi = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "install", "--no-audit", "--no-fund", "--prefix", prefix, $"@anthropic-ai/claude-code@{version}" })
                psi.ArgumentList.Add(arg);
            string output;
            int exitCode;
            try
            {
                using var npm = Process.Start(psi)!;
                var stdoutTask = npm.StandardOutput.ReadToEndAsync();
                var stderrTask = npm.StandardError.ReadToEndAsync();
                if (!npm.WaitForExit(TimeSpan.FromMinutes(5)))
                {
                    npm.Kill(entireProcessTree: true);
                    throw new InvalidOperationException($"npm install of Claude Code {version} took over 5 minutes (prefix {prefix}).");
                }
                output = stdoutTask.Result + stderrTask.Result;
                exitCode = npm.ExitCode;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException(
                    $"Claude Code {version} is not installed at {exe} and npm could not be started ({e.Message}). " +
                    "Install Node.js/npm, or run: npm install --prefix " + prefix + " @anthropic-ai/claude-code@" + version, e);
            }
            if (exitCode != 0 || !File.Exists(exe))
                throw new InvalidOperationException(
                    $"Could not install Claude Code {version} with npm (exit {exitCode}) into {prefix}. npm said:\n{output}");
        }
        if (!Works(exe, version))
            throw new InvalidOperationException($"Claude Code {version} installed at {exe} but `claude --version` does not report {version}.");
        return exe;
    }

    private static readonly object s_npmLock = new();

    private static bool Works(string exe, string version)
    {
        try
        {
            var psi = new ProcessStartInfo(exe, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var text = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                p.Kill(entireProcessTree: true);
                return false;
            }
            return p.ExitCode == 0 && text.Result.Contains(version, StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
