using System.Buffers;
using System.Text.Json;

namespace AnyClaude.Proxy.Forwarding;

internal static class JsonModelRewriter
{
    /// <summary>The request object with its "model" replaced; every other property written as it was.</summary>
    public static ReadOnlyMemory<byte> Rewrite(JsonElement root, string model)
    {
        var output = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            foreach (var p in root.EnumerateObject())
                if (!p.NameEquals("model")) p.WriteTo(w);
            w.WriteEndObject();
        }
        return output.WrittenMemory;
    }
}
