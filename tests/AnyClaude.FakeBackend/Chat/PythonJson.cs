namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// mlx_lm.server writes JSON with Python's json.dumps defaults: ", " and ": " separators. Re-spaces compact JSON
/// (outside strings) so the fake's bytes look like the real server's.
/// </summary>
internal static class PythonJson
{
    /// <summary>Re-spaces a JSON text; returns it unchanged when it is not valid JSON.</summary>
    public static string RespaceIfJson(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            var compact = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(doc.RootElement, s_relaxedOptions);
            return System.Text.Encoding.UTF8.GetString(Respace(compact));
        }
        catch (System.Text.Json.JsonException)
        {
            return json;
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions s_relaxedOptions =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Respace(ReadOnlySpan<byte> compact)
    {
        var extra = 0;
        var inString = false;
        for (var i = 0; i < compact.Length; i++)
        {
            var b = compact[i];
            if (inString)
            {
                if (b == (byte)'\\')
                {
                    i++;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b == (byte)'"')
            {
                inString = true;
            }
            else if (b is (byte)',' or (byte)':')
            {
                extra++;
            }
        }

        var result = new byte[compact.Length + extra];
        var o = 0;
        inString = false;
        for (var i = 0; i < compact.Length; i++)
        {
            var b = compact[i];
            result[o++] = b;
            if (inString)
            {
                if (b == (byte)'\\')
                {
                    result[o++] = compact[++i];
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b == (byte)'"')
            {
                inString = true;
            }
            else if (b is (byte)',' or (byte)':')
            {
                result[o++] = (byte)' ';
            }
        }
        return result;
    }
}
