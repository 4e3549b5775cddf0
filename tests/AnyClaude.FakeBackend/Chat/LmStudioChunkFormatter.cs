using System.Text.Json;

namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// LM Studio's OpenAI-compatible shapes: compact JSON; every chunk carries logprobs:null and finish_reason; reasoning in
/// delta.reasoning (or reasoning_content on older builds); tool calls streamed name first (index, id, type, name,
/// empty arguments), then argument fragments keyed by index only; a last chunk with an empty delta and the finish reason.
/// </summary>
internal sealed class LmStudioChunkFormatter(ResponseIdentity identity, string reasoningField, bool emptyNameInFragments)
    : ChunkFormatter(identity)
{
    protected override void WriteStreamChunk(Utf8JsonWriter w, PlannedChunk chunk)
    {
        StartChunk(w);
        w.WriteStartObject("delta");
        w.WriteString("role", "assistant");
        switch (chunk.Kind)
        {
            case ChunkKind.Reasoning:
                w.WriteString(reasoningField, chunk.Text);
                break;
            case ChunkKind.Content:
                w.WriteString("content", chunk.Text);
                break;
            default:
                w.WriteStartArray("tool_calls");
                w.WriteStartObject();
                w.WriteNumber("index", chunk.ToolIndex);
                if (chunk.Kind != ChunkKind.ToolCallArguments)
                {
                    w.WriteString("id", chunk.ToolId);
                    w.WriteString("type", "function");
                }
                w.WriteStartObject("function");
                if (chunk.Kind != ChunkKind.ToolCallArguments)
                {
                    w.WriteString("name", chunk.ToolName);
                }
                else if (emptyNameInFragments)
                {
                    w.WriteString("name", "");
                }
                w.WriteString("arguments", chunk.Kind == ChunkKind.ToolCallHead ? "" : chunk.Text);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndArray();
                break;
        }
        w.WriteEndObject();
        EndChunk(w, null);
    }

    protected override void WriteFinalChunk(Utf8JsonWriter w, string finishReason)
    {
        StartChunk(w);
        w.WriteStartObject("delta");
        w.WriteEndObject();
        EndChunk(w, finishReason);
    }

    protected override void WriteUsageChunk(Utf8JsonWriter w, UsageFigures usage)
    {
        w.WriteStartObject();
        WriteHeader(w, "chat.completion.chunk");
        w.WriteStartArray("choices");
        w.WriteEndArray();
        WriteUsage(w, usage);
        w.WriteEndObject();
    }

    protected override void WriteCompletion(Utf8JsonWriter w, GenerationPlan plan, UsageFigures usage)
    {
        w.WriteStartObject();
        WriteHeader(w, "chat.completion");
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        w.WriteString("content", plan.Content.ToString());
        if (plan.Reasoning.Length > 0)
        {
            w.WriteString(reasoningField, plan.Reasoning.ToString());
        }
        if (plan.ToolCalls.Count > 0)
        {
            w.WriteStartArray("tool_calls");
            foreach (var call in plan.ToolCalls)
            {
                w.WriteStartObject();
                w.WriteString("id", call.Id);
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", call.Name);
                w.WriteString("arguments", call.Arguments);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", plan.FinishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        WriteUsage(w, usage);
        w.WriteStartObject("stats");
        if (usage.Rest is { } rest)
        {
            // /api/v0/chat/completions (REST API v0 docs): tokens_per_second, time_to_first_token, generation_time, stop_reason.
            w.WriteNumber("tokens_per_second", rest.GenerationSeconds > 0 ? usage.CompletionTokens / rest.GenerationSeconds : 0);
            w.WriteNumber("time_to_first_token", rest.TimeToFirstTokenSeconds);
            w.WriteNumber("generation_time", rest.GenerationSeconds);
            w.WriteString("stop_reason", rest.HitLimit ? "maxPredictedTokensReached" : "eosFound");
        }
        w.WriteEndObject();
        if (usage.Rest is { } info)
        {
            w.WriteStartObject("model_info");
            w.WriteString("arch", "qwen3");
            w.WriteString("quant", "Q4_K_M");
            w.WriteString("format", "gguf");
            w.WriteNumber("context_length", info.ContextLength);
            w.WriteEndObject();
            w.WriteStartObject("runtime");
            w.WriteString("name", "llama.cpp-linux-x86_64-avx2");
            w.WriteString("version", "1.50.0");
            w.WriteStartArray("supported_formats");
            w.WriteStringValue("gguf");
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteString("system_fingerprint", Identity.SystemFingerprint);
        w.WriteEndObject();
    }

    private void StartChunk(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        WriteHeader(w, "chat.completion.chunk");
        w.WriteString("system_fingerprint", Identity.SystemFingerprint);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
    }

    private static void EndChunk(Utf8JsonWriter w, string? finishReason)
    {
        w.WriteNull("logprobs");
        if (finishReason is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finishReason);
        }
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private void WriteHeader(Utf8JsonWriter w, string objectType)
    {
        w.WriteString("id", Identity.Id);
        w.WriteString("object", objectType);
        w.WriteNumber("created", Identity.Created);
        w.WriteString("model", Identity.Model);
    }
}
