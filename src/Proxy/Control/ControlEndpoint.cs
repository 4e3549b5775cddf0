using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Proxy.Control;

/// <summary>
/// The control endpoint other processes of the same user reach (token from the private state file):
/// GET /anyclaude/status, POST /anyclaude/mode, GET /anyclaude/requests. The dispatcher has already checked the
/// control token (RequestGuard.Authorize) before any path here is matched.
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
                var body = await RequestBodyReader.ReadAsync(scope.Request, 1024 * 1024, scope.Token).ConfigureAwait(false);
                ApplyMode(body);
                await WriteStatusAsync(scope).ConfigureAwait(false);
                return true;
            case ("GET", "/anyclaude/requests"):
                var records = history.Snapshot();
                await HttpResponder.WriteJsonAsync(scope, 200, w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("data");
                    foreach (var r in records) RecordJson.Write(w, r);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }, scope.Token).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
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
            foreach (var mode in Enum.GetValues<BackendMode>()) SettingsJson.Write(w, snapshot.Get(mode));
            w.WriteEndArray();
            w.WriteEndObject();
        }, scope.Token);
    }

    /// <summary>Validates the request, replaces that mode's settings with the fields present (see
    /// <see cref="ModeChangeRequest"/>), then makes the mode active.</summary>
    private void ApplyMode(ReadOnlyMemory<byte> body)
    {
        var change = ModeChangeRequest.Parse(body);
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
