using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>
/// The user's config.json: $XDG_CONFIG_HOME/anyclaude (or ~/.config/anyclaude), %APPDATA%\AnyClaude on
/// Windows, or ANYCLAUDE_CONFIG. Shape:
/// { "mode": "mlx-lm", "port": 0, "prewarm": false, "warmStart": true, "backends": { "lmstudio": { "baseUrl", "model", "apiKey", "toolCalls", "backgroundRequests", "subAgentRequests", "toolHistory", "contextWindow", "contextPolicy" } } }
/// (plus "apiKeySecret", "caCertificate", "maxConcurrency": see <see cref="RemoteBackendKeys"/>)
/// </summary>
internal static class UserConfigFile
{
    private static readonly JsonDocumentOptions s_readOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static string Path
    {
        get
        {
            var overridden = EnvironmentNames.Read(EnvironmentNames.ConfigPath);
            if (overridden is not null)
            {
                return System.IO.Path.GetFullPath(overridden);
            }

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "AnyClaude", "config.json");
            }

            var xdg = EnvironmentNames.Read("XDG_CONFIG_HOME");
            var root = xdg ?? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            return System.IO.Path.Combine(root, "anyclaude", "config.json");
        }
    }

    /// <summary>The file's settings; <see cref="UserConfig.Empty"/> when there is no file.
    /// Throws <see cref="ConfigurationException"/> naming the file and the problem.</summary>
    public static UserConfig Read()
    {
        var path = Path;
        if (!File.Exists(path))
        {
            return UserConfig.Empty;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: s_readOptions);
        }
        catch (JsonException e)
        {
            throw Broken(path, $"it is not valid JSON ({e.Message})", e);
        }

        if (root is not JsonObject obj)
        {
            throw Broken(path, "the top level must be a JSON object like {\"mode\": \"lmstudio\"}");
        }

        try
        {
            return Parse(obj, path);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw Broken(path, e.Message, e);
        }
    }

    /// <summary>Writes the mode (and that mode's given settings) into the file, keeping everything else.
    /// An existing file is first copied to config.json.bak.</summary>
    public static string Save(BackendMode mode, BackendOverride values)
    {
        var path = Path;
        JsonObject root = new();
        if (File.Exists(path))
        {
            try
            {
                root = JsonNode.Parse(File.ReadAllText(path), documentOptions: s_readOptions) as JsonObject
                    ?? throw Broken(path, "the top level must be a JSON object");
            }
            catch (JsonException e)
            {
                // Never replace a file we cannot read: the user may want what is in it.
                throw Broken(path, $"it is not valid JSON ({e.Message})", e);
            }
        }

        var modeName = ModeNames.ToEnvironmentName(mode);
        root["mode"] = modeName;
        if (!values.IsEmpty)
        {
            if (root["backends"] is not JsonObject backends)
            {
                backends = new JsonObject();
                root["backends"] = backends;
            }

            if (backends[modeName] is not JsonObject entry)
            {
                entry = new JsonObject();
                backends[modeName] = entry;
            }

            if (values.BaseUrl is { } baseUrl) entry["baseUrl"] = baseUrl.ToString();
            if (values.Model is { } model) entry["model"] = model;
            if (values.ToolCalls is { } toolCalls) entry["toolCalls"] = toolCalls.ToString();
            if (values.ApiKeySecret is { } apiKeySecret)
            {
                entry["apiKeySecret"] = apiKeySecret;
                entry.Remove("apiKey"); // one source of the key per mode
            }

            if (values.CaCertificate is { } caCertificate) entry["caCertificate"] = caCertificate;
            if (values.MaxConcurrency is { } maxConcurrency) entry["maxConcurrency"] = maxConcurrency;
            if (values.BackgroundRequests is { } backgroundRequests) entry["backgroundRequests"] = backgroundRequests.ToString();
            if (values.SubAgentRequests is { } subAgentRequests) entry["subAgentRequests"] = subAgentRequests.ToString();
            if (values.ToolHistory is { } toolHistory) entry["toolHistory"] = toolHistory.ToString();
            if (values.StallTimeout is { } stallTimeout) entry["stallTimeout"] = stallTimeout.TotalSeconds;
            if (values.ContextWindow is { } contextWindow) entry["contextWindow"] = contextWindow;
            if (values.ContextPolicy is { } contextPolicy) entry["contextPolicy"] = contextPolicy.ToString();
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            File.Copy(path, path + ".bak", overwrite: true);
        }

        var temp = path + ".tmp";
        File.WriteAllText(temp, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine);
        if (!OperatingSystem.IsWindows())
        {
            // It may hold API keys.
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
        return path;
    }

    private static UserConfig Parse(JsonObject obj, string path)
    {
        BackendMode? mode = null;
        if (obj["mode"] is JsonNode modeNode)
        {
            var text = modeNode.GetValue<string>();
            if (!ModeNames.TryParse(text, out var parsed))
            {
                throw new FormatException($"\"mode\": '{text}' is not a mode; valid names: {string.Join(", ", ModeNames.All)}");
            }

            mode = parsed;
        }

        int? port = null;
        if (obj["port"] is JsonNode portNode)
        {
            port = portNode.GetValue<int>();
            if (port is < 0 or > 65535)
            {
                throw new FormatException($"\"port\": {port} is outside 0-65535");
            }
        }

        var backends = new Dictionary<BackendMode, UserBackendEntry>();
        if (obj["backends"] is JsonNode backendsNode)
        {
            if (backendsNode is not JsonObject backendsObj)
            {
                throw new FormatException("\"backends\" must be an object keyed by mode name");
            }

            foreach ((var key, var value) in backendsObj)
            {
                if (!ModeNames.TryParse(key, out var backendMode))
                {
                    throw new FormatException($"\"backends\": '{key}' is not a mode; valid names: {string.Join(", ", ModeNames.All)}");
                }

                if (value is not JsonObject entry)
                {
                    throw new FormatException($"\"backends.{key}\" must be an object");
                }

                backends[backendMode] = ParseEntry(entry, backendMode, key, path);
            }
        }

        bool? prewarm = null;
        if (obj["prewarm"] is JsonNode prewarmNode)
        {
            prewarm = prewarmNode.GetValueKind() is JsonValueKind.True or JsonValueKind.False
                ? prewarmNode.GetValue<bool>()
                : throw new FormatException("\"prewarm\" must be true or false");
        }

        bool? warmStart = null;
        if (obj["warmStart"] is JsonNode warmNode)
        {
            warmStart = warmNode.GetValueKind() is JsonValueKind.True or JsonValueKind.False
                ? warmNode.GetValue<bool>()
                : throw new FormatException("\"warmStart\" must be true or false");
        }

        return new UserConfig(mode, port, backends) { Prewarm = prewarm, WarmStart = warmStart };
    }

    private static UserBackendEntry ParseEntry(JsonObject entry, BackendMode mode, string key, string path)
    {
        Uri? baseUrl = null;
        if (entry["baseUrl"] is JsonNode urlNode)
        {
            try
            {
                baseUrl = BaseUrlSetting.Parse(urlNode.GetValue<string>(), mode, $"\"backends.{key}.baseUrl\"");
            }
            catch (ConfigurationException e)
            {
                throw new FormatException(e.Message, e);
            }
        }

        var toolCalls = ParseEnum<ToolCallMode>(entry, "toolCalls", key);

        TimeSpan? stallTimeout = null;
        if (entry["stallTimeout"] is JsonNode stallNode)
        {
            // Seconds (90) or a time span ("00:05:00"); the silence allowed once the backend generates.
            var parsed = TimeSpan.Zero;
            if (stallNode.GetValueKind() == JsonValueKind.Number)
            {
                var seconds = stallNode.GetValue<double>();
                if (seconds > 0 && seconds <= BackendSettings.MaxStallTimeout.TotalSeconds) parsed = TimeSpan.FromSeconds(seconds);
            }
            else if (stallNode.GetValueKind() == JsonValueKind.String
                && TimeSpan.TryParse(stallNode.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out var span))
            {
                parsed = span;
            }

            var ok = parsed > TimeSpan.Zero;
            if (!ok)
            {
                throw new FormatException($"\"backends.{key}.stallTimeout\": '{stallNode.ToJsonString()}' must be a positive number of seconds or a time span such as \"00:05:00\"");
            }

            stallTimeout = parsed;
        }

        var toolHistory = ParseEnum<ToolHistoryMode>(entry, "toolHistory", key);

        BackgroundPolicy? background = null;
        if (entry["backgroundRequests"] is JsonNode backgroundNode)
        {
            var text = backgroundNode.GetValue<string>();
            if (!BackgroundPolicy.TryParse(text, out var parsed))
            {
                throw new FormatException($"\"backends.{key}.backgroundRequests\": '{text}' must be {BackgroundPolicy.Forms}");
            }

            background = parsed;
        }

        SubAgentPolicy? subAgents = null;
        if (entry["subAgentRequests"] is JsonNode subAgentNode)
        {
            var text = subAgentNode.GetValue<string>();
            if (!SubAgentPolicy.TryParse(text, out var parsed))
            {
                throw new FormatException($"\"backends.{key}.subAgentRequests\": '{text}' must be {SubAgentPolicy.Forms}");
            }

            subAgents = parsed;
        }

        return new UserBackendEntry(baseUrl, entry["model"]?.GetValue<string>(), entry["apiKey"]?.GetValue<string>(), toolCalls, background, toolHistory)
        {
            SubAgentRequests = subAgents,
            ApiKeySecret = RemoteBackendKeys.ParseSecretName(entry, key),
            CaCertificate = RemoteBackendKeys.ParseCaCertificate(entry, key, path),
            MaxConcurrency = RemoteBackendKeys.ParseMaxConcurrency(entry, key),
            StallTimeout = stallTimeout,
            ContextWindow = ParseContextWindow(entry, key),
            ContextPolicy = ParseEnum<ContextPolicyMode>(entry, "contextPolicy", key),
        };
    }

    /// <summary>"contextWindow": the model's window in tokens, 1,024 to 100,000,000.</summary>
    private static int? ParseContextWindow(JsonObject entry, string key)
    {
        if (entry["contextWindow"] is not JsonNode node)
        {
            return null;
        }

        var ok = node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<int>(out var value) && value is >= 1_024 and <= 100_000_000;
        if (!ok)
        {
            throw new FormatException($"\"backends.{key}.contextWindow\": '{node.ToJsonString()}' must be a whole number of tokens from 1024 to 100000000, such as 32768");
        }

        return node.GetValue<int>();
    }

    /// <summary>An enum setting by name, any case; absent is null.</summary>
    private static T? ParseEnum<T>(JsonObject entry, string name, string key) where T : struct, Enum
    {
        if (entry[name] is not JsonNode node)
        {
            return null;
        }

        var text = node.GetValue<string>();
        return Enum.TryParse(text, ignoreCase: true, out T parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new FormatException($"\"backends.{key}.{name}\": '{text}' must be {string.Join(" or ", Enum.GetNames<T>())}");
    }

    private static ConfigurationException Broken(string path, string problem, Exception? inner = null) =>
        new($"The AnyClaude config file '{path}' is broken: {problem}. Fix or delete the file (Set-AnyClaudeMode -Persist rewrites it).", path, inner);
}
