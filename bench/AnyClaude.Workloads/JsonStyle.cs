using System.Text.Encodings.Web;
using System.Text.Json;

namespace AnyClaude.Workloads;

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
}
