namespace AnyClaude.Diagnostics.Http;

/// <summary>Reads server-sent events as (event, data) pairs; comment lines (": keepalive") are skipped.</summary>
internal static class SseLineReader
{
    public static async IAsyncEnumerable<(string? Event, string Data)> ReadAsync(
        Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream);
        string? eventName = null;
        var data = new System.Text.StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                    yield return (eventName, data.ToString());
                eventName = null;
                data.Clear();
                continue;
            }
            if (line.StartsWith(':'))
                continue;
            if (line.StartsWith("event:", StringComparison.Ordinal))
                eventName = line[6..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (data.Length > 0) data.Append('\n');
                data.Append(line.AsSpan(5).TrimStart());
            }
        }
        if (data.Length > 0)
            yield return (eventName, data.ToString());
    }
}
