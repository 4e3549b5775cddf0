using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AnyClaude.FakeBackend.Chat;

/// <summary>Writes one flavor's response JSON: stream chunks, the finish chunk, the usage chunk, a whole completion.</summary>
internal abstract class ChunkFormatter(ResponseIdentity identity)
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    protected ResponseIdentity Identity { get; } = identity;

    public static ChunkFormatter For(FakeServerOptions options, ResponseIdentity identity) =>
        options.Flavor == FakeFlavor.MlxLm ? new MlxChunkFormatter(identity) : new LmStudioChunkFormatter(identity, options.ReasoningField, options.ToolFragmentsCarryEmptyName);

    public byte[] StreamChunk(PlannedChunk chunk) => Write(w => WriteStreamChunk(w, chunk));

    public byte[] FinalChunk(string finishReason) => Write(w => WriteFinalChunk(w, finishReason));

    public byte[] UsageChunk(UsageFigures usage) => Write(w => WriteUsageChunk(w, usage));

    public byte[] Completion(GenerationPlan plan, UsageFigures usage) => Write(w => WriteCompletion(w, plan, usage));

    protected abstract void WriteStreamChunk(Utf8JsonWriter w, PlannedChunk chunk);
    protected abstract void WriteFinalChunk(Utf8JsonWriter w, string finishReason);
    protected abstract void WriteUsageChunk(Utf8JsonWriter w, UsageFigures usage);
    protected abstract void WriteCompletion(Utf8JsonWriter w, GenerationPlan plan, UsageFigures usage);

    /// <summary>Post-processing of the compact JSON (mlx re-spaces it like Python).</summary>
    protected virtual byte[] Finish(ReadOnlySpan<byte> json) => json.ToArray();

    protected static void WriteUsage(Utf8JsonWriter w, UsageFigures u)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", u.PromptTokens);
        w.WriteNumber("completion_tokens", u.CompletionTokens);
        w.WriteNumber("total_tokens", u.PromptTokens + u.CompletionTokens);
        if (u.ReportCached)
        {
            w.WriteStartObject("prompt_tokens_details");
            w.WriteNumber("cached_tokens", u.CachedTokens);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            body(w);
        }
        return Finish(buffer.WrittenSpan);
    }
}
