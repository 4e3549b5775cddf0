using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Routing;

namespace AnyClaude.Proxy.Control;

/// <summary>
/// The control endpoint other processes of the same user reach (token from the private state file):
/// GET /anyclaude/status, POST /anyclaude/mode, GET /anyclaude/requests[?after=N&amp;waitMs=M]. The dispatcher has already
/// checked the control token (RequestGuard.Authorize) before any path here is matched.
/// </summary>
internal sealed class ControlEndpoint(ProxyServer server, ModeTable modes, RecordHistory history)
{
    public const string Prefix = "/anyclaude/";

    public async Task<bool> TryHandleAsync(RequestScope scope, string method, string path)
    {
        switch (method, path)
        {
            case ("GET", "/anyclaude/status"):
                await WriteStatusAsync(scope).ConfigureAwait(false);
                return true;
            case ("POST", "/anyclaude/mode"):
                // With the body timeout, like /v1/*: a body that stops arriving must not hold the connection.
                var body = await RequestBodyReader.ReadAsync(scope, 1024 * 1024).ConfigureAwait(false);
                ApplyMode(body);
                await WriteStatusAsync(scope).ConfigureAwait(false);
                return true;
            case ("GET", "/anyclaude/requests"):
                var batch = await ReadRecordsAsync(scope).ConfigureAwait(false);
                await HttpResponder.WriteJsonAsync(scope, 200, w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("data");
                    foreach (var r in batch.Records) RecordJson.Write(w, r);
                    w.WriteEndArray();
                    w.WriteNumber("next", batch.Next);
                    w.WriteEndObject();
                }, scope.Token).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The longest a live-view request is held open (the client asks again; shorter than its HTTP timeout).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    /// <summary>?after=N: only records numbered after N ("next" of the previous answer). ?waitMs=M: when there are
    /// none yet, hold the request up to M ms (at most <see cref="MaxWait"/>) until one completes: the live view.</summary>
    private async Task<RecordBatch> ReadRecordsAsync(RequestScope scope)
    {
        var query = scope.Request.QueryString;
        var after = long.TryParse(query["after"], out var a) && a > 0 ? a : 0;
        var wait = int.TryParse(query["waitMs"], out var ms) && ms > 0 ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;
        if (wait > MaxWait) wait = MaxWait;
        var batch = await history.WaitAfterAsync(after, wait, scope.Token).ConfigureAwait(false);
        server.FlushStatusLine(); // whoever reads a record sees the status line that follows from it
        return batch;
    }

    private Task WriteStatusAsync(RequestScope scope)
    {
        var snapshot = modes.Current;
        return HttpResponder.WriteJsonAsync(scope, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("pid", Environment.ProcessId);
            w.WriteNumber("port", server.Port);
            w.WriteString("baseUrl", server.BaseUrl.AbsoluteUri);
            w.WriteString("startedAt", server.StartedAt);
            w.WriteString("mode", snapshot.Active.ToString());
            w.WriteStartArray("backends");
            foreach (var mode in Enum.GetValues<BackendMode>()) ModeSettingsSchema.WriteReported(w, snapshot.Get(mode));
            w.WriteEndArray();
            w.WriteEndObject();
        }, scope.Token);
    }

    /// <summary>Validates the request, replaces that mode's settings with the fields present (see
    /// <see cref="ModeSettingsSchema"/>), then makes the mode active.</summary>
    private void ApplyMode(ReadOnlyMemory<byte> body)
    {
        var change = ModeSettingsSchema.ParseRequest(body);
        if (change.ChangesSettings)
        {
            try
            {
                server.Configure(change.ApplyTo(modes.Current.Get(change.Mode)));
            }
            catch (ArgumentException e)
            {
                throw ApiException.InvalidRequest($"Invalid mode settings: {e.Message}");
            }
        }
        server.SetMode(change.Mode);
    }
}
