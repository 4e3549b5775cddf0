using System.Text.Json;
using System.Text.Json.Nodes;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Launch;
using AnyClaude.Proxy.Routing;

namespace AnyClaude.Cmdlets.Launch;

/// <summary>
/// What Claude Code is told about the proxy's routes, so its /model picker is the switch (issue 18; each choice cited
/// in docs/claude-code-footprint.md): the picker rows (2.1.332: modelPicker in the --settings file; 2.1.197: its gateway
/// model cache, read with CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1), the names of the model roles
/// (ANTHROPIC_DEFAULT_*_MODEL_NAME/_DESCRIPTION), and for local modes "disableAutoMode": auto mode's safety check runs
/// on Anthropic's servers, which a local session does not reach. The user's own values win: an environment variable
/// already set, their own --settings, --permission-mode, or a defaultMode "auto" in their settings. Files of the user's
/// that Claude Code changes meanwhile (the gateway cache, the "model" a picker choice saves) are put back on <see cref="Restore"/>.
/// </summary>
internal sealed class ModelEnvironment
{
    private static readonly string[] s_roles = ["OPUS", "SONNET", "HAIKU"];

    private readonly List<Action> _undo = [];

    private ModelEnvironment(IReadOnlyList<string> arguments, string? reason)
    {
        Arguments = arguments;
        AutoModeOff = reason;
    }

    /// <summary>Arguments to add before the user's (--settings &lt;file&gt;), or none.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Why auto mode was turned off for this session (for the user), or null when it was not.</summary>
    public string? AutoModeOff { get; }

    /// <summary>The environment variables to add and the files to write.</summary>
    /// <param name="environment">Claude Code's environment changes (ClaudeEnvironment's); this adds to it.</param>
    /// <param name="active">The active mode's settings at launch.</param>
    /// <param name="catalog">The proxy's routes (ProxyServer.GetModelCatalogAsync).</param>
    /// <param name="statusLineSettings">The proxy's status-line settings to carry along (null: none).</param>
    /// <param name="settingsPath">Where to write the combined --settings file.</param>
    /// <param name="userArguments">The user's -ArgumentList.</param>
    /// <param name="userVariable">Reads the user's own environment (a set variable wins).</param>
    /// <param name="configDirectory">Claude Code's config folder ($CLAUDE_CONFIG_DIR, else ~/.claude).</param>
    /// <param name="chosen">Called with the model id when Claude Code saves a /model choice in settings.json (null: not watched).</param>
    public static ModelEnvironment Prepare(IDictionary<string, string?> environment, BackendSettings active, IReadOnlyList<ModelCatalogEntry> catalog,
        string? statusLineSettings, string settingsPath, IReadOnlyList<string> userArguments, Func<string, string?> userVariable, string configDirectory,
        Action<string>? chosen = null)
    {
        // A mode row and the row of the model it is configured with are one choice: the picker shows it once.
        catalog = catalog.DistinctBy(r => (r.Mode, r.DisplayName)).ToArray();
        var baseUrl = environment.TryGetValue("ANTHROPIC_BASE_URL", out var url) ? url : null;
        var activeRow = catalog.FirstOrDefault(r => r.Mode == active.Mode && r.Model is null);

        void Set(string name, string value)
        {
            if (userVariable(name) is null) environment[name] = value;
        }

        if (active.IsLocal && activeRow is not null)
        {
            // 2.1.197 lists the roles' rows ("anyclaude-local — Custom Opus model"): name them after what serves them.
            foreach (var role in s_roles)
            {
                Set($"ANTHROPIC_DEFAULT_{role}_MODEL_NAME", role switch
                {
                    "HAIKU" => "Background · " + activeRow.DisplayName,
                    "SONNET" => "Active mode (sonnet) · " + activeRow.DisplayName,
                    _ => "Active mode · " + activeRow.DisplayName,
                });
                Set($"ANTHROPIC_DEFAULT_{role}_MODEL_DESCRIPTION", role == "HAIKU"
                    ? "Background requests (titles, summaries) go to the active mode"
                    : "The mode Start-AnyClaude started with (Set-AnyClaudeMode switches it); no per-token price");
            }
        }

        var result = new List<string>();
        var ownSettings = ClaudeArguments.HasSettings(userArguments);
        var headless = ClaudeArguments.IsHeadless(userArguments);
        string? autoModeOff = null;
        var undo = new List<Action>();
        if (!ownSettings && !headless)
        {
            var disable = active.IsLocal && !ChoosesPermissionMode(userArguments) && !UserSettingsChooseAuto(configDirectory);
            if (disable)
                autoModeOff = "Auto mode is off in this session (\"disableAutoMode\": \"disable\"): its safety check runs on Anthropic's servers, " +
                              "which a local mode does not reach. Claude Code asks before it edits or runs commands; pass --permission-mode to choose another mode.";
            try
            {
                ClaudeModelFiles.WriteSettings(settingsPath, statusLineSettings, catalog, disable);
                undo.Add(() => TryDelete(settingsPath));
                result.Add("--settings");
                result.Add(settingsPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No file of our own: the status line's alone, as before.
                autoModeOff = null;
                if (statusLineSettings is not null) result.AddRange(["--settings", statusLineSettings]);
            }
        }

        // 2.1.197 has no modelPicker setting: it lists the gateway cache's rows when discovery is on. Its own fetch is
        // skipped with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC (local modes), so the proxy writes the cache itself.
        if (!headless && baseUrl is not null && userVariable("CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY") is null)
        {
            var cache = ClaudeModelFiles.GatewayCachePath(configDirectory);
            var cacheDirectory = Path.GetDirectoryName(cache)!;
            var hadDirectory = Directory.Exists(cacheDirectory);
            var restoreFile = Backup(cache);
            void restore()
            {
                restoreFile();
                // A cache folder made for this session goes too, when nothing else was put in it.
                if (!hadDirectory && Directory.Exists(cacheDirectory) && !Directory.EnumerateFileSystemEntries(cacheDirectory).Any())
                    Directory.Delete(cacheDirectory);
            }
            try
            {
                ClaudeModelFiles.WriteGatewayCache(cache, baseUrl, catalog, DateTimeOffset.UtcNow);
                environment["CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY"] = "1";
                undo.Add(restore);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                restore();
            }
        }

        // A choice in /model is saved as "model" in the user's settings.json: plain claude would then send a proxy id to Anthropic.
        if (!headless) undo.Add(KeepSettingsModel(Path.Combine(configDirectory, "settings.json")));
        // Undone first (the list runs backwards): the restore above is no choice of the user's.
        if (!headless && chosen is not null && WatchChoices(configDirectory, chosen) is { } watcher) undo.Add(watcher.Dispose);

        var prepared = new ModelEnvironment(result, autoModeOff);
        prepared._undo.AddRange(undo);
        return prepared;
    }

    /// <summary>Puts back what the session changed: the settings file is removed, the user's files restored.</summary>
    public void Restore()
    {
        foreach (var action in Enumerable.Reverse(_undo))
        {
            try { action(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { }
        }
        _undo.Clear();
    }

    /// <summary>Claude Code writes a /model choice to settings.json ("model"); each new value goes to <paramref name="chosen"/>.</summary>
    private static FileSystemWatcher? WatchChoices(string configDirectory, Action<string> chosen)
    {
        if (!Directory.Exists(configDirectory)) return null;
        var path = Path.Combine(configDirectory, "settings.json");
        var gate = new object();
        var last = ModelIn(path);
        var watcher = new FileSystemWatcher(configDirectory, "settings.json*") { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size };
        void Changed(object? sender, FileSystemEventArgs e)
        {
            string? now;
            lock (gate)
            {
                now = ModelIn(path);
                if (now is null || now == last) return;
                last = now;
            }
            try { chosen(now); }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or ObjectDisposedException) { }
        }
        watcher.Changed += Changed;
        watcher.Created += Changed;
        watcher.Renamed += (sender, e) => Changed(sender, e);
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    private static string? ModelIn(string path) =>
        ReadJson(path)?["model"] is JsonValue value && value.TryGetValue<string>(out var model) ? model : null;

    private static bool ChoosesPermissionMode(IReadOnlyList<string> arguments) =>
        arguments.Any(a => a == "--permission-mode" || a.StartsWith("--permission-mode=", StringComparison.Ordinal)
                           || a == "--dangerously-skip-permissions");

    /// <summary>The user's settings.json says permissions.defaultMode "auto": their choice stands.</summary>
    private static bool UserSettingsChooseAuto(string configDirectory)
    {
        var node = ReadJson(Path.Combine(configDirectory, "settings.json"));
        return node?["permissions"]?["defaultMode"] is JsonValue mode && mode.TryGetValue<string>(out var text) && text == "auto";
    }

    /// <summary>The file's bytes now; the action writes them back (or removes a file that was not there).</summary>
    private static Action Backup(string path)
    {
        var before = File.Exists(path) ? File.ReadAllBytes(path) : null;
        return () =>
        {
            if (before is null) TryDelete(path);
            else File.WriteAllBytes(path, before);
        };
    }

    /// <summary>The "model" in settings.json now; the action puts it back if Claude Code changed it (the rest of the file as it is then).</summary>
    private static Action KeepSettingsModel(string path)
    {
        var before = ReadJson(path)?["model"]?.ToJsonString();
        return () =>
        {
            if (ReadJson(path) is not JsonObject now) return;
            var after = now["model"]?.ToJsonString();
            if (after == before) return;
            if (before is null) now.Remove("model");
            else now["model"] = JsonNode.Parse(before);
            File.WriteAllText(path, now.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        };
    }

    private static JsonNode? ReadJson(string path)
    {
        try
        {
            return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
