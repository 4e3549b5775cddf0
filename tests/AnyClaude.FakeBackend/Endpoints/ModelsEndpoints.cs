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

    /// <summary>
    /// LM Studio 0.4 GET /api/v1/models (docs: developer/rest/list, "List your models"): <c>models</c>, each with
    /// <c>type</c>, <c>publisher</c>, <c>key</c>, <c>display_name</c>, <c>architecture</c>, <c>quantization</c>
    /// {name, bits_per_weight}, <c>size_bytes</c>, <c>params_string</c>, <c>loaded_instances</c> [{id, config:
    /// {context_length, eval_batch_size, flash_attention, offload_kv_cache_to_gpu}}], <c>max_context_length</c>,
    /// <c>format</c>, <c>capabilities</c> {vision, trained_for_tool_use}, <c>description</c>. The documented instance
    /// config does not include the number of parallel predictions.
    /// </summary>
    public static string LmStudioV1Models(FakeServerOptions o) => Json(w =>
    {
        var context = o.EffectiveContextLength ?? 32768;
        w.WriteStartObject();
        w.WriteStartArray("models");
        foreach (var id in AllModels(o))
        {
            var loaded = id == o.Model && o.ModelLoaded;
            w.WriteStartObject();
            w.WriteString("type", "llm");
            w.WriteString("publisher", id.Contains('/') ? id[..id.IndexOf('/')] : "lmstudio-community");
            w.WriteString("key", id);
            w.WriteString("display_name", id.Contains('/') ? id[(id.IndexOf('/') + 1)..] : id);
            w.WriteString("architecture", "qwen3");
            w.WriteStartObject("quantization");
            w.WriteString("name", "Q4_K_M");
            w.WriteNumber("bits_per_weight", 4);
            w.WriteEndObject();
            w.WriteNumber("size_bytes", 5_027_783_488);
            w.WriteString("params_string", "8B");
            w.WriteStartArray("loaded_instances");
            if (loaded)
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteStartObject("config");
                w.WriteNumber("context_length", context);
                w.WriteNumber("eval_batch_size", 512);
                w.WriteBoolean("flash_attention", true);
                w.WriteBoolean("offload_kv_cache_to_gpu", true);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("max_context_length", Math.Max(context, 40960));
            w.WriteString("format", "gguf");
            w.WriteStartObject("capabilities");
            w.WriteBoolean("vision", false);
            w.WriteBoolean("trained_for_tool_use", !(id == o.Model && o.ToolsUnsupported));
            w.WriteEndObject();
            w.WriteNull("description");
            w.WriteEndObject();
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
