using System.Text.Json;
using System.Text.Json.Nodes;
using AnyClaude.Proxy.Routing;

namespace AnyClaude.Proxy.Launch;

/// <summary>The files through which Claude Code learns the proxy's routes (docs/claude-code-footprint.md, "The /model
/// picker"): the settings passed with --settings (2.1.332's modelPicker, disableAutoMode, the status line) and the
/// gateway model cache 2.1.197 reads (~/.claude/cache/gateway-models.json). Written private (0600) like Claude Code's own.</summary>
public static class ClaudeModelFiles
{
    // One line, as the status-line settings always were (simple readers of the file, like a stand-in claude, keep working).
    private static readonly JsonSerializerOptions s_options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Claude Code settings: <paramref name="baseSettingsPath"/>'s (the status line; null: none) plus, when
    /// <paramref name="picker"/> is given, a modelPicker whose rows replace the built-in lineup (Claude's priced models)
    /// and, when <paramref name="disableAutoMode"/>, "disableAutoMode": "disable". Returns the path written.</summary>
    public static string WriteSettings(string path, string? baseSettingsPath, IReadOnlyList<ModelCatalogEntry>? picker, bool disableAutoMode)
    {
        JsonObject settings;
        try
        {
            settings = baseSettingsPath is not null && File.Exists(baseSettingsPath)
                ? JsonNode.Parse(File.ReadAllText(baseSettingsPath)) as JsonObject ?? []
                : [];
        }
        catch (JsonException)
        {
            settings = [];
        }
        if (picker is { Count: > 0 })
        {
            var options = new JsonArray();
            foreach (var row in picker)
                options.Add(new JsonObject { ["model"] = row.Id, ["label"] = row.DisplayName, ["description"] = row.Description });
            settings["modelPicker"] = new JsonObject { ["replaceBuiltInOptions"] = true, ["options"] = options };
        }
        if (disableAutoMode) settings["disableAutoMode"] = "disable";
        Write(path, settings);
        return path;
    }

    /// <summary>Where Claude Code keeps its gateway model cache: $CLAUDE_CONFIG_DIR (else ~/.claude)/cache/gateway-models.json.</summary>
    public static string GatewayCachePath(string configDirectory) => Path.Combine(configDirectory, "cache", "gateway-models.json");

    /// <summary>The gateway model cache as Claude Code writes it after GET /v1/models: the base URL it was fetched from
    /// (compared byte for byte with ANTHROPIC_BASE_URL), when, and the rows (id, display_name, description).</summary>
    public static void WriteGatewayCache(string path, string baseUrl, IReadOnlyList<ModelCatalogEntry> rows, DateTimeOffset now)
    {
        var models = new JsonArray();
        foreach (var row in rows)
            models.Add(new JsonObject { ["id"] = row.Id, ["display_name"] = row.DisplayName, ["description"] = row.Description });
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        Write(path, new JsonObject { ["baseUrl"] = baseUrl, ["fetchedAt"] = now.ToUnixTimeMilliseconds(), ["models"] = models });
    }

    private static void Write(string path, JsonObject content)
    {
        var temp = path + ".anyclaude-tmp";
        using (var stream = Security.PrivateFiles.Create(temp))
            JsonSerializer.Serialize(stream, content, s_options);
        File.Move(temp, path, overwrite: true);
    }
}
