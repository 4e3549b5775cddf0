using System.Text.Json;

namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// mlx_lm.server's shapes (server.py generate_response / completion_usage_response): every delta carries role, content,
/// reasoning and tool_calls (empty string / empty list when unused); a tool call arrives whole in one chunk with
/// function, type, id and (streaming only) index; the usage chunk has object "chat.completion" and choices [];
/// "model" echoes the request's model ("default_model" when absent); Python json.dumps spacing.
/// </summary>
internal sealed class MlxChunkFormatter(ResponseIdentity identity) : ChunkFormatter(identity)
{
    protected override void WriteStreamChunk(Utf8JsonWriter w, PlannedChunk chunk)
    {
        StartChunk(w, "chat.completion.chunk", null);
        w.WriteStartObject("delta");
        w.WriteString("role", "assistant");
        w.WriteString("content", chunk.Kind == ChunkKind.Content ? chunk.Text : "");
        w.WriteString("reasoning", chunk.Kind == ChunkKind.Reasoning ? chunk.Text : "");
        w.WriteStartArray("tool_calls");
        if (chunk.Kind is ChunkKind.ToolCallWhole or ChunkKind.ToolCallHead or ChunkKind.ToolCallArguments)
        {
            w.WriteStartObject();
            if (chunk.Kind != ChunkKind.ToolCallArguments)
            {
                w.WriteStartObject("function");
                w.WriteString("name", chunk.ToolName);
                w.WriteString("arguments", chunk.Kind == ChunkKind.ToolCallWhole ? chunk.Text : "");
                w.WriteEndObject();
                w.WriteString("type", "function");
                w.WriteString("id", chunk.ToolId);
            }
            else
            {
                w.WriteStartObject("function");
                w.WriteString("arguments", chunk.Text);
                w.WriteEndObject();
            }
            w.WriteNumber("index", chunk.ToolIndex);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        EndChunk(w);
    }

    protected override void WriteFinalChunk(Utf8JsonWriter w, string finishReason)
    {
        StartChunk(w, "chat.completion.chunk", finishReason);
        w.WriteStartObject("delta");
        w.WriteString("role", "assistant");
        w.WriteString("content", "");
        w.WriteString("reasoning", "");
        w.WriteStartArray("tool_calls");
        w.WriteEndArray();
        w.WriteEndObject();
        EndChunk(w);
    }

    protected override void WriteUsageChunk(Utf8JsonWriter w, UsageFigures usage)
    {
        w.WriteStartObject();
        WriteHeader(w, "chat.completion");
        w.WriteStartArray("choices");
        w.WriteEndArray();
        WriteUsage(w, usage);
        w.WriteEndObject();
    }

    protected override void WriteCompletion(Utf8JsonWriter w, GenerationPlan plan, UsageFigures usage)
    {
        StartChunk(w, "chat.completion", plan.FinishReason);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        w.WriteString("content", plan.Content.ToString());
        w.WriteString("reasoning", plan.Reasoning.ToString());
        w.WriteStartArray("tool_calls");
        foreach (var call in plan.ToolCalls)
        {
            w.WriteStartObject();
            w.WriteStartObject("function");
            w.WriteString("name", call.Name);
            w.WriteString("arguments", call.Arguments);
            w.WriteEndObject();
            w.WriteString("type", "function");
            w.WriteString("id", call.Id);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        WriteUsage(w, usage);
        w.WriteEndObject();
    }

    protected override byte[] Finish(ReadOnlySpan<byte> json) => PythonJson.Respace(json);

    private void StartChunk(Utf8JsonWriter w, string objectType, string? finishReason)
    {
        w.WriteStartObject();
        WriteHeader(w, objectType);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        if (finishReason is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finishReason);
        }
    }

    private static void EndChunk(Utf8JsonWriter w)
    {
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private void WriteHeader(Utf8JsonWriter w, string objectType)
    {
        w.WriteString("id", Identity.Id);
        w.WriteString("system_fingerprint", Identity.SystemFingerprint);
        w.WriteString("object", objectType);
        w.WriteString("model", Identity.Model);
        w.WriteNumber("created", Identity.Created);
    }
}
