using System.Text.Encodings.Web;
using System.Text.Json;

namespace AnyClaude.Diagnostics.Workload;

/// <summary>Compact JSON escaped like JavaScript's JSON.stringify (Claude Code and most backends are
/// Node or Python): quotes, backslashes and control characters only, so &lt; ' &amp; stay literal.</summary>
internal static class JsonStyle
{
    public static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    /// <summary>The same style for <c>JsonNode.ToJsonString</c>: what a JSON.stringify'd body holds, so its tokens count right.</summary>
    public static readonly JsonSerializerOptions SerializerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
