using System.Text;
using AnyClaude.FakeBackend.Scripting;

namespace AnyClaude.FakeBackend.Chat;

internal enum ChunkKind
{
    Reasoning,
    Content,

    /// <summary>LM Studio's first fragment of a call: index, id, type and name, empty arguments.</summary>
    ToolCallHead,

    /// <summary>LM Studio's later fragments: index and an arguments piece only.</summary>
    ToolCallArguments,

    /// <summary>mlx's form: the whole call (id, name, complete arguments) in one chunk.</summary>
    ToolCallWhole,
}

internal readonly record struct PlannedChunk(ChunkKind Kind, string Text, int ToolIndex = 0, string? ToolId = null, string? ToolName = null);

internal sealed record ParsedToolCall(string Id, string Name, string Arguments);

/// <summary>
/// What the simulated model generates for one request: the streamed chunks, and the totals a non-streaming answer
/// and the usage report need. Applies the token budget (max_tokens, room left in the context) and the way each
/// flavor surfaces tool calls.
/// </summary>
internal sealed class GenerationPlan
{
    public List<PlannedChunk> Chunks { get; } = [];
    public StringBuilder Content { get; } = new();
    public StringBuilder Reasoning { get; } = new();
    public List<ParsedToolCall> ToolCalls { get; } = [];
    public int CompletionTokens { get; private set; }
    public string FinishReason { get; private set; } = "stop";

    /// <summary>The generated text as the model's tokens would spell it (appended to the prompt in the cache).</summary>
    public StringBuilder GeneratedText { get; } = new();

    private int? _budget;
    private bool _exhausted;

    public static GenerationPlan Build(ScriptedReply reply, ChatRequest request, FakeServerOptions options, int? budget, Func<string> newToolId)
    {
        var plan = new GenerationPlan { _budget = budget };
        var piece = Math.Max(1, reply.CharsPerChunk ?? FakeTokenizer.CharsPerToken);
        var mlx = options.Flavor == FakeFlavor.MlxLm;

        if (!string.IsNullOrEmpty(reply.Reasoning))
        {
            plan.GeneratedText.Append("<think>\n");
            plan.AddPieces(ChunkKind.Reasoning, reply.Reasoning, piece);
            plan.GeneratedText.Append("\n</think>\n\n");
        }
        if (!string.IsNullOrEmpty(reply.Text))
        {
            plan.AddPieces(ChunkKind.Content, reply.Text, piece);
        }

        var structured = mlx ? options.MlxToolCalling : !options.ToolsUnsupported && request.ToolsJson.Count > 0;
        var fragment = reply.FragmentToolArguments ?? !mlx;
        for (var i = 0; i < reply.ToolCalls.Count && !plan._exhausted; i++)
        {
            var call = reply.ToolCalls[i];
            var markup = new StringBuilder();
            PromptTemplate.AppendToolCall(markup, call.Name, call.Arguments);
            if (!structured)
            {
                // No parser: the model's call stays text. LM Studio's prompt-based fallback uses [TOOL_REQUEST] markers;
                // an mlx model without a tool parser leaves its <tool_call> markup in the content.
                var text = mlx ? markup.ToString()
                    : $"[TOOL_REQUEST]\n{{\"name\": \"{call.Name}\", \"arguments\": {call.Arguments}}}\n[END_TOOL_REQUEST]";
                plan.AddPieces(ChunkKind.Content, text, piece);
                continue;
            }
            var tokens = FakeTokenizer.Count(markup.Length);
            if (!plan.Spend(tokens))
            {
                break;
            }
            var id = call.Id ?? newToolId();
            // mlx parses the generated call and re-serialises the arguments with json.dumps: Python spacing.
            var arguments = mlx ? PythonJson.RespaceIfJson(call.Arguments) : call.Arguments;
            plan.GeneratedText.Append(markup);
            plan.ToolCalls.Add(new ParsedToolCall(id, call.Name, arguments));
            if (fragment)
            {
                plan.Chunks.Add(new PlannedChunk(ChunkKind.ToolCallHead, "", i, id, call.Name));
                for (var at = 0; at < arguments.Length; at += piece)
                {
                    var len = Math.Min(piece, arguments.Length - at);
                    plan.Chunks.Add(new PlannedChunk(ChunkKind.ToolCallArguments, arguments.Substring(at, len), i));
                }
            }
            else
            {
                plan.Chunks.Add(new PlannedChunk(ChunkKind.ToolCallWhole, arguments, i, id, call.Name));
            }
        }

        plan.FinishReason = reply.FinishReason ?? (plan._exhausted ? "length" : plan.ToolCalls.Count > 0 ? "tool_calls" : "stop");
        return plan;
    }

    private void AddPieces(ChunkKind kind, string text, int piece)
    {
        var target = kind == ChunkKind.Reasoning ? Reasoning : Content;
        for (var at = 0; at < text.Length; at += piece)
        {
            var len = Math.Min(piece, text.Length - at);
            if (!Spend(FakeTokenizer.Count(len)))
            {
                return;
            }
            var s = text.Substring(at, len);
            Chunks.Add(new PlannedChunk(kind, s));
            target.Append(s);
            GeneratedText.Append(s);
        }
    }

    private bool Spend(int tokens)
    {
        if (_exhausted)
        {
            return false;
        }
        if (_budget is { } b && CompletionTokens + tokens > b)
        {
            _exhausted = true;
            return false;
        }
        CompletionTokens += tokens;
        return true;
    }
}
