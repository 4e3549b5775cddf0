using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace AnyClaude.Proxy.Translation;

/// <summary>
/// Finds a JSON string that cannot become text: invalid UTF-8 bytes, or a lone surrogate escape ("\ud800", which
/// JavaScript produces when it slices a string inside a surrogate pair). System.Text.Json parses both and only
/// fails later, when the string is read. A cheap scan of the whole body decides whether the (slower) walk that
/// names the field is needed at all.
/// </summary>
internal static class InvalidText
{
    /// <summary>The path of the first bad string (e.g. messages[2].content[0].text), or null when all text is valid.</summary>
    public static string? Find(ReadOnlySpan<byte> body, JsonElement root)
    {
        if (Utf8.IsValid(body) && !HasSurrogateEscape(body)) return null;
        var path = new StringBuilder();
        return Walk(root, path) ? (path.Length == 0 ? "request body" : path.ToString()) : null;
    }

    /// <summary>"\uD800" to "\uDFFF" anywhere (valid pairs included: the walk then finds nothing).</summary>
    private static bool HasSurrogateEscape(ReadOnlySpan<byte> body)
    {
        for (var i = body.IndexOf("\\u"u8); i >= 0 && i + 4 < body.Length; )
        {
            if ((body[i + 2] | 0x20) == 'd' && body[i + 3] is (byte)'8' or (byte)'9' or (byte)'a' or (byte)'b' or (byte)'c' or (byte)'d' or (byte)'e' or (byte)'f' or (byte)'A' or (byte)'B' or (byte)'C' or (byte)'D' or (byte)'E' or (byte)'F')
                return true;
            var next = body[(i + 2)..].IndexOf("\\u"u8);
            i = next < 0 ? -1 : i + 2 + next;
        }
        return false;
    }

    private static bool Walk(JsonElement e, StringBuilder path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                return !Readable(e);
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    var mark = path.Length;
                    string name;
                    try { name = p.Name; }
                    catch (InvalidOperationException)
                    {
                        path.Append(mark == 0 ? "" : ".").Append("(a property name)");
                        return true;
                    }
                    path.Append(mark == 0 ? "" : ".").Append(name);
                    if (Walk(p.Value, path)) return true;
                    path.Length = mark;
                }
                return false;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    var mark = path.Length;
                    path.Append('[').Append(i++).Append(']');
                    if (Walk(item, path)) return true;
                    path.Length = mark;
                }
                return false;
            default:
                return false;
        }
    }

    private static bool Readable(JsonElement e)
    {
        try
        {
            _ = e.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
