using System.Buffers;
using System.Text;
using System.Text.Json;

namespace AnyClaude.FakeBackend.Endpoints;

/// <summary>The model-listing and health endpoints of each real server.</summary>
internal static class ModelsEndpoints
{
    /// <summary>
    /// mlx GET /v1/models: {"object": "list", "data": [{"id", "object": "model", "created"}]} (downloaded repos);
    /// GET /v1/models/{repo} filters the list to that repo (still a list, possibly empty).
    /// </summary>
    public static string MlxModels(FakeServerOptions o, string path)
    {
        var filter = path.Length > "/v1/models/".Length && path.StartsWith("/v1/models/", StringComparison.Ordinal)
            ? path["/v1/models/".Length..] : null;
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            foreach (var id in AllModels(o))
            {
                if (filter is not null && filter != id)
                {
                    continue;
                }
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteString("object", "model");
                w.WriteNumber("created", created);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }, python: true);
    }

    /// <summary>LM Studio GET /v1/models (OpenAI shape; lists downloaded models when JIT loading is on).</summary>
    public static string LmStudioModels(FakeServerOptions o) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("data");
        foreach (var id in AllModels(o))
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "model");
            w.WriteString("owned_by", "organization_owner");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("object", "list");
        w.WriteEndObject();
    }, python: false);

    /// <summary>LM Studio GET /api/v0/models: per model id, type, state, max_context_length, capabilities (REST API v0 docs).</summary>
    public static string LmStudioV0Models(FakeServerOptions o) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var id in AllModels(o))
        {
            WriteV0Model(w, o, id);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }, python: false);

    /// <summary>LM Studio GET /api/v0/models/{id}; null when unknown.</summary>
    public static string? LmStudioV0Model(FakeServerOptions o, string id) =>
        AllModels(o).Contains(id) ? Json(w => WriteV0Model(w, o, id), python: false) : null;

    private static void WriteV0Model(Utf8JsonWriter w, FakeServerOptions o, string id)
    {
        var main = id == o.Model;
        var context = o.EffectiveContextLength ?? 32768;
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "model");
        w.WriteString("type", "llm");
        w.WriteString("publisher", id.Contains('/') ? id[..id.IndexOf('/')] : "lmstudio-community");
        w.WriteString("arch", "qwen3");
        w.WriteString("compatibility_type", "gguf");
        w.WriteString("quantization", "Q4_K_M");
        w.WriteString("state", main && o.ModelLoaded ? "loaded" : "not-loaded");
        w.WriteNumber("max_context_length", context);
        if (main && o.ModelLoaded)
        {
            w.WriteNumber("loaded_context_length", context);
        }
        w.WriteStartArray("capabilities");
        if (!(main && o.ToolsUnsupported))
        {
            w.WriteStringValue("tool_use");
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static List<string> AllModels(FakeServerOptions o) => [o.Model, .. o.OtherModels];

    private static string Json(Action<Utf8JsonWriter> write, bool python)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }
        return Encoding.UTF8.GetString(python ? Chat.PythonJson.Respace(buffer.WrittenSpan) : buffer.WrittenSpan);
    }
}
