using System.Text;

namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// A small deterministic ChatML-style chat template (the family Qwen models use):
/// <code>
/// &lt;|im_start|&gt;system\n{system}\n\n# Tools\n{each tool's JSON, one per line}&lt;|im_end|&gt;\n
/// &lt;|im_start|&gt;{role}\n{content}{&lt;tool_call&gt;\n{"name": N, "arguments": A}\n&lt;/tool_call&gt; per call}&lt;|im_end|&gt;\n
/// ...&lt;|im_start|&gt;assistant\n
/// </code>
/// Tools are rendered byte for byte as sent, so any change in tool bytes or order changes the prompt early and
/// defeats the prefix cache, exactly as with a real template.
/// </summary>
internal static class PromptTemplate
{
    public const string SystemMustBeFirst = "System message must be at the beginning.";

    /// <summary>Renders the prompt; returns null and an error message when the template raises.</summary>
    public static string? Render(ChatRequest request, bool systemMustBeFirst, out string? templateError)
    {
        templateError = null;
        var sb = new StringBuilder();
        var messages = request.Messages;
        var start = 0;
        var hasSystem = messages.Count > 0 && messages[0].Role == "system";
        if (hasSystem || request.ToolsJson.Count > 0)
        {
            sb.Append("<|im_start|>system\n");
            if (hasSystem)
            {
                sb.Append(messages[0].Text);
                start = 1;
            }
            if (request.ToolsJson.Count > 0)
            {
                sb.Append("\n\n# Tools\n");
                foreach (var tool in request.ToolsJson)
                {
                    sb.Append(tool).Append('\n');
                }
            }
            sb.Append("<|im_end|>\n");
        }

        for (var i = start; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Role == "system" && systemMustBeFirst)
            {
                templateError = SystemMustBeFirst; // Qwen templates: raise_exception('System message must be at the beginning.')
                return null;
            }
            sb.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Text);
            foreach (var call in m.ToolCalls)
            {
                AppendToolCall(sb, call.Name, call.Arguments);
            }
            sb.Append("<|im_end|>\n");
        }
        sb.Append("<|im_start|>assistant\n");
        return sb.ToString();
    }

    /// <summary>How a tool call looks in the token stream, both when generated and when rendered back from history.</summary>
    public static void AppendToolCall(StringBuilder sb, string name, string arguments) =>
        sb.Append("<tool_call>\n{\"name\": \"").Append(name).Append("\", \"arguments\": ")
          .Append(arguments.Length == 0 ? "{}" : arguments).Append("}\n</tool_call>");
}
