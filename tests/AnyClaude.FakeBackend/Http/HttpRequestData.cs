namespace AnyClaude.FakeBackend.Http;

/// <summary>One parsed HTTP/1.x request as it arrived on the socket.</summary>
public sealed class HttpRequestData
{
    public required string Method { get; init; }

    /// <summary>The request target as sent, query string included (e.g. /v1/models?limit=1000).</summary>
    public required string Target { get; init; }

    public required string Version { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    /// <summary>Null when the request had neither Content-Length nor chunked encoding.</summary>
    public byte[]? Body { get; init; }

    public bool HadContentLength { get; init; }

    public string Path
    {
        get
        {
            var q = Target.IndexOf('?');
            return q < 0 ? Target : Target[..q];
        }
    }

    public string? Header(string name)
    {
        foreach (var h in Headers)
        {
            if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return h.Value;
            }
        }
        return null;
    }

    /// <summary>HTTP/1.1 keeps the connection unless "Connection: close"; HTTP/1.0 closes unless keep-alive.</summary>
    public bool ClientWantsKeepAlive
    {
        get
        {
            var c = Header("Connection");
            if (Version == "HTTP/1.0")
            {
                return c is not null && c.Contains("keep-alive", StringComparison.OrdinalIgnoreCase);
            }
            return c is null || !c.Contains("close", StringComparison.OrdinalIgnoreCase);
        }
    }
}
