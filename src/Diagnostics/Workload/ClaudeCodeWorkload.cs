using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AnyClaude.Proxy.Tokens;

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
        return new ClaudeCodeWorkload(system, tools, TokenCounter.CountOnce(system), TokenCounter.CountOnce(tools.ToJsonString(JsonStyle.SerializerOptions)));
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

    // Fixed seeds: the run id alone makes runs differ, so equal sizes give equal prose.
    private const int SystemSeed = 4_100;
    private const int ToolSeed = 4_200;

    private static string BuildSystem(int targetTokens, string runId)
    {
        var prose = new SyntheticText(SystemSeed);
        var text = new StringBuilder($"Session {runId}. You are a command-line coding assistant working in the user's repository.");
        var tokens = TokenCounter.CountOnce(text.ToString());
        while (tokens < targetTokens)
        {
            // Paragraph by paragraph; counting each alone is close to additive, then verify exactly.
            var part = "\n\n" + prose.Prose(Math.Clamp((targetTokens - tokens) * 4, 40, 2_000));
            text.Append(part);
            tokens += TokenCounter.CountOnce(part);
            if (tokens >= targetTokens)
                tokens = TokenCounter.CountOnce(text.ToString());
        }
        return text.ToString();
    }

    private static JsonArray BuildTools(int targetTokens, string runId)
    {
        // Claude Code's tool names and schemas with one-sentence descriptions, grown sentence by sentence.
        var prose = new SyntheticText(ToolSeed);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, JsonStyle.Options))
            ToolCatalog.Write(w, prose, ToolCatalog.Names.Count, descriptionPercent: 1);
        var tools = JsonNode.Parse(buffer.WrittenSpan)!.AsArray();
        tools[0]!["description"] = $"[{runId}] {tools[0]!["description"]}";
        var tokens = TokenCounter.CountOnce(tools.ToJsonString(JsonStyle.SerializerOptions));
        for (var i = 0; tokens < targetTokens; i++)
        {
            var tool = tools[i % tools.Count]!;
            var note = " " + prose.Sentence();
            tool["description"] = tool["description"]!.GetValue<string>() + note;
            tokens += TokenCounter.CountOnce(note);
            if (tokens >= targetTokens)
                tokens = TokenCounter.CountOnce(tools.ToJsonString(JsonStyle.SerializerOptions));
        }
        return tools;
    }
}
