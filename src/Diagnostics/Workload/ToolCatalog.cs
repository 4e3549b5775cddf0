using System.Text.Json;

namespace AnyClaude.Diagnostics.Workload;

/// <summary>
/// Seventeen tool definitions with the names and parameter shapes Claude Code 2.1.x declares
/// (required lists, enums, nested arrays of objects, $schema, format: uri) and synthetic descriptions.
/// Description budgets are tuned so the tools array is about 50 KB, as observed; a smaller percentage gives
/// the same tools with short descriptions, for workloads sized in tokens (<see cref="ClaudeCodeWorkload"/>).
/// </summary>
internal static class ToolCatalog
{
    private sealed record Param(string Name, string Type, bool Required = false, int DescChars = 120)
    {
        public string[]? Enum { get; init; }
        public string? Format { get; init; }
        public int? Minimum { get; init; }
        public int? Maximum { get; init; }
        public int? MinLength { get; init; }
        public bool? Default { get; init; }
        /// <summary>For arrays: the item type, or object properties when ItemProps is set.</summary>
        public string? ItemType { get; init; }
        public Param[]? ItemProps { get; init; }
        public int? MinItems { get; init; }
        public int? MaxItems { get; init; }
    }

    private sealed record Tool(string Name, int DescChars, Param[] Params);

    /// <summary>Scales every description budget; tuned so 17 tools come to about 50 KB of JSON.</summary>
    public const int DescriptionPercent = 83;

    private static readonly Tool[] s_tools =
    [
        new("Task", 5200, [new("description", "string", true, 60), new("prompt", "string", true, 60), new("subagent_type", "string", true, 80)]),
        new("Bash", 8200, [
            new("command", "string", true, 40),
            new("timeout", "number", DescChars: 70) { Maximum = 600000 },
            new("description", "string", DescChars: 500),
            new("run_in_background", "boolean", DescChars: 160),
            new("dangerouslyDisableSandbox", "boolean", DescChars: 110)]),
        new("Glob", 900, [new("pattern", "string", true, 50), new("path", "string", DescChars: 330)]),
        new("Grep", 1700, [
            new("pattern", "string", true, 90), new("path", "string", DescChars: 90), new("glob", "string", DescChars: 110),
            new("output_mode", "string", DescChars: 220) { Enum = ["content", "files_with_matches", "count"] },
            new("-B", "number", DescChars: 150), new("-A", "number", DescChars: 150), new("-C", "number", DescChars: 150),
            new("-n", "boolean", DescChars: 140), new("-i", "boolean", DescChars: 50), new("type", "string", DescChars: 160),
            new("head_limit", "number", DescChars: 330), new("offset", "number", DescChars: 170),
            new("multiline", "boolean", DescChars: 150)]),
        new("ExitPlanMode", 1400, [new("plan", "string", true, 110)]),
        new("Read", 1900, [
            new("file_path", "string", true, 50), new("offset", "number", DescChars: 110), new("limit", "number", DescChars: 110)]),
        new("Edit", 1300, [
            new("file_path", "string", true, 50), new("old_string", "string", true, 40),
            new("new_string", "string", true, 60), new("replace_all", "boolean", DescChars: 60) { Default = false }]),
        new("Write", 900, [new("file_path", "string", true, 90), new("content", "string", true, 40)]),
        new("NotebookEdit", 800, [
            new("notebook_path", "string", true, 90), new("cell_id", "string", DescChars: 170), new("new_source", "string", true, 40),
            new("cell_type", "string", DescChars: 120) { Enum = ["code", "markdown"] },
            new("edit_mode", "string", DescChars: 90) { Enum = ["replace", "insert", "delete"] }]),
        new("WebFetch", 1500, [new("url", "string", true, 40) { Format = "uri" }, new("prompt", "string", true, 50)]),
        new("TodoWrite", 7800, [
            new("todos", "array", true, 40) { ItemType = "object", ItemProps = [
                new("content", "string", true, 20) { MinLength = 1 },
                new("status", "string", true, 20) { Enum = ["pending", "in_progress", "completed"] },
                new("activeForm", "string", true, 20) { MinLength = 1 }] }]),
        new("WebSearch", 1100, [
            new("query", "string", true, 40) { MinLength = 2 },
            new("allowed_domains", "array", DescChars: 70) { ItemType = "string" },
            new("blocked_domains", "array", DescChars: 70) { ItemType = "string" }]),
        new("BashOutput", 600, [new("bash_id", "string", true, 60), new("filter", "string", DescChars: 190)]),
        new("KillShell", 300, [new("shell_id", "string", true, 40)]),
        new("AskUserQuestion", 900, [
            new("questions", "array", true, 60) { MinItems = 1, MaxItems = 4, ItemType = "object", ItemProps = [
                new("question", "string", true, 260), new("header", "string", true, 140),
                new("options", "array", true, 160) { MinItems = 2, MaxItems = 4, ItemType = "object", ItemProps = [
                    new("label", "string", true, 160), new("description", "string", true, 180)] },
                new("multiSelect", "boolean", true, 140)] }]),
        new("Skill", 1800, [new("command", "string", true, 70)]),
        new("SlashCommand", 1700, [new("command", "string", true, 90)]),
    ];

    public static IReadOnlyList<string> Names => s_tools.Select(t => t.Name).ToArray();

    /// <summary>Writes the Anthropic "tools" array (name, description, input_schema).</summary>
    public static void Write(Utf8JsonWriter w, SyntheticText text, int count, int descriptionPercent = DescriptionPercent)
    {
        w.WriteStartArray();
        foreach (var tool in s_tools.Take(count))
        {
            w.WriteStartObject();
            w.WriteString("name", tool.Name);
            w.WriteString("description", text.Prose(Budget(tool.DescChars, descriptionPercent)));
            w.WritePropertyName("input_schema");
            w.WriteStartObject();
            w.WriteString("type", "object");
            WriteProperties(w, text, tool.Params, descriptionPercent);
            w.WriteBoolean("additionalProperties", false);
            w.WriteString("$schema", "http://json-schema.org/draft-07/schema#");
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    // At least one character, so every description holds a sentence however small the percentage.
    private static int Budget(int chars, int percent) => Math.Max(1, chars * percent / 100);

    private static void WriteProperties(Utf8JsonWriter w, SyntheticText text, Param[] ps, int percent)
    {
        w.WritePropertyName("properties");
        w.WriteStartObject();
        foreach (var p in ps)
        {
            w.WritePropertyName(p.Name);
            WriteParam(w, text, p, percent);
        }
        w.WriteEndObject();
        var required = ps.Where(p => p.Required).ToArray();
        if (required.Length > 0)
        {
            w.WritePropertyName("required");
            w.WriteStartArray();
            foreach (var p in required) w.WriteStringValue(p.Name);
            w.WriteEndArray();
        }
    }

    private static void WriteParam(Utf8JsonWriter w, SyntheticText text, Param p, int percent)
    {
        w.WriteStartObject();
        w.WriteString("type", p.Type);
        if (p.Enum is not null)
        {
            w.WritePropertyName("enum");
            w.WriteStartArray();
            foreach (var e in p.Enum) w.WriteStringValue(e);
            w.WriteEndArray();
        }
        if (p.Format is not null) w.WriteString("format", p.Format);
        if (p.Minimum is int min) w.WriteNumber("minimum", min);
        if (p.Maximum is int max) w.WriteNumber("maximum", max);
        if (p.MinLength is int minLength) w.WriteNumber("minLength", minLength);
        if (p.Default is bool def) w.WriteBoolean("default", def);
        if (p.MinItems is int minItems) w.WriteNumber("minItems", minItems);
        if (p.MaxItems is int maxItems) w.WriteNumber("maxItems", maxItems);
        if (p.ItemType is not null)
        {
            w.WritePropertyName("items");
            w.WriteStartObject();
            w.WriteString("type", p.ItemType);
            if (p.ItemProps is not null)
            {
                WriteProperties(w, text, p.ItemProps, percent);
                w.WriteBoolean("additionalProperties", false);
            }
            w.WriteEndObject();
        }
        w.WriteString("description", text.Prose(Budget(p.DescChars, percent)));
        w.WriteEndObject();
    }
}
