using System.Text;
using System.Text.Json.Nodes;

namespace AnyClaude.Diagnostics.Workload;

/// <summary>
/// A synthetic prompt with the size and shape of Claude Code's: a system prompt and JSON-schema tools sized in
/// o200k tokens. A run id at the start of the system text and of the first tool makes every run start cold, so a
/// benchmark's first turn cannot reuse a cache warmed by an earlier run.
/// </summary>
public sealed class ClaudeCodeWorkload
{
    private readonly JsonArray _tools;

    private ClaudeCodeWorkload(string systemText, JsonArray tools, int systemTokens, int toolTokens)
    {
        SystemText = systemText;
        _tools = tools;
        SystemTokens = systemTokens;
        ToolTokens = toolTokens;
    }

    public string SystemText { get; }
    public int SystemTokens { get; }
    /// <summary>Tokens of the tools' JSON (Anthropic shape: name, description, input_schema).</summary>
    public int ToolTokens { get; }
    public int ToolCount => _tools.Count;

    /// <summary>Claude Code's measured footprint, with a fresh run id.</summary>
    public static ClaudeCodeWorkload ClaudeCodeSized() =>
        Create(ClaudeCodeFootprint.SystemTokens, ClaudeCodeFootprint.ToolTokens, NewRunId());

    /// <summary>A total prompt size split like Claude Code's between system text and tools.</summary>
    public static ClaudeCodeWorkload Scaled(int totalTokens, string? runId = null)
    {
        var system = (int)((long)totalTokens * ClaudeCodeFootprint.SystemTokens / ClaudeCodeFootprint.TotalTokens);
        return Create(system, totalTokens - system, runId ?? NewRunId());
    }

    public static string NewRunId() => Guid.NewGuid().ToString("N")[..12];

    public static ClaudeCodeWorkload Create(int systemTokens, int toolTokens, string runId)
    {
        var system = BuildSystem(systemTokens, runId);
        var tools = BuildTools(toolTokens, runId);
        return new ClaudeCodeWorkload(system, tools, PromptTokenizer.Count(system), PromptTokenizer.Count(tools.ToJsonString()));
    }

    /// <summary>Tools as Anthropic sends them (a fresh copy each call).</summary>
    public JsonArray AnthropicTools() => (JsonArray)_tools.DeepClone();

    /// <summary>The same tools as OpenAI function tools.</summary>
    public JsonArray OpenAiTools()
    {
        var list = new JsonArray();
        foreach (var tool in _tools)
        {
            list.Add(new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = tool!["name"]!.DeepClone(),
                    ["description"] = tool["description"]!.DeepClone(),
                    ["parameters"] = tool["input_schema"]!.DeepClone(),
                },
            });
        }
        return list;
    }

    private static string BuildSystem(int targetTokens, string runId)
    {
        var text = new StringBuilder($"Session {runId}. ").Append(AssistantGuidance.Preamble);
        var tokens = PromptTokenizer.Count(text.ToString());
        var sections = AssistantGuidance.Sections;
        for (var i = 0; tokens < targetTokens; i++)
        {
            var (title, body) = sections[i % sections.Count];
            var round = i / sections.Count;
            var part = $"\n\n# {title}{(round == 0 ? "" : $" (part {round + 1})")}\n{body}";
            text.Append(part);
            tokens += PromptTokenizer.Count(part);
            if (tokens >= targetTokens)
                tokens = PromptTokenizer.Count(text.ToString());
        }
        return text.ToString();
    }

    private static JsonArray BuildTools(int targetTokens, string runId)
    {
        var specs = CodingToolCatalog.Create();
        var descriptions = specs.Select(s => new StringBuilder(s.Description)).ToArray();
        descriptions[0].Insert(0, $"[{runId}] ");
        var tokens = PromptTokenizer.Count(Render(specs, descriptions).ToJsonString());
        // Add usage notes round-robin; counting each note alone is close to additive, then verify exactly.
        for (var i = 0; tokens < targetTokens; i++)
        {
            var tool = i % specs.Count;
            var note = "\n- " + string.Format(ToolNotes.Templates[(i / specs.Count + tool) % ToolNotes.Templates.Count], specs[tool].Name);
            descriptions[tool].Append(note);
            tokens += PromptTokenizer.Count(note);
            if (tokens >= targetTokens)
                tokens = PromptTokenizer.Count(Render(specs, descriptions).ToJsonString());
        }
        return Render(specs, descriptions);
    }

    private static JsonArray Render(IReadOnlyList<CodingToolCatalog.ToolSpec> specs, StringBuilder[] descriptions)
    {
        var list = new JsonArray();
        for (var i = 0; i < specs.Count; i++)
        {
            list.Add(new JsonObject
            {
                ["name"] = specs[i].Name,
                ["description"] = descriptions[i].ToString(),
                ["input_schema"] = specs[i].Schema.DeepClone(),
            });
        }
        return list;
    }
}
