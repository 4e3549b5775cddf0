using System.Buffers;
using System.Text;
using System.Text.Json;
using AnyClaude.FakeBackend.Scripting;

namespace AnyClaude.FakeBackend.Endpoints;

/// <summary>The fake's own endpoints, all under /_fake/ (no real server has them): for Pester and manual runs.</summary>
internal static class AdminEndpoints
{
    public const string Prefix = "/_fake/";

    /// <summary>Returns (status, json) for an admin request.</summary>
    public static (int Status, string Json) Handle(string method, string path, byte[]? body, FakeServerState state)
    {
        switch (method, path)
        {
            case ("GET", "/_fake/requests"):
                return (200, RequestsJson(state));
            case ("POST", "/_fake/script"):
                try
                {
                    var replies = ScriptedReplyJson.Parse(body ?? []);
                    foreach (var r in replies)
                    {
                        state.Script.Enqueue(r);
                    }
                    return (200, $"{{\"queued\":{replies.Count},\"pending\":{state.Script.Count}}}");
                }
                catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
                {
                    return (400, "{\"error\":" + JsonSerializer.Serialize(e.Message) + "}");
                }
            case ("POST", "/_fake/reset"):
                state.Reset();
                return (200, "{\"reset\":true}");
            case ("POST", "/_fake/unload"):
                // As a model reload does (LM Studio's JIT TTL, `lms unload`, a restarted mlx_lm.server): the prompt
                // cache is gone; recorded requests and scripted replies stay.
                state.Cache.Clear();
                return (200, "{\"unloaded\":true}");
            case ("GET", "/_fake/options"):
                return (200, $"{{\"flavor\":\"{state.Options.FlavorName}\",\"model\":{JsonSerializer.Serialize(state.Options.Model)},\"pendingScripts\":{state.Script.Count},\"cacheEntries\":{state.Cache.Count},\"slots\":{state.Options.Slots?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"},\"timeScale\":{state.Options.TimeScale.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}");
            default:
                return (404, "{\"error\":\"unknown fake admin endpoint\"}");
        }
    }

    private static string RequestsJson(FakeServerState state)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var r in state.Requests)
            {
                if (!r.Path.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    r.WriteJson(w);
                }
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
