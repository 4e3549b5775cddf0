using System.Collections.Specialized;
using System.Net;
using System.Net.Sockets;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Security;

namespace AnyClaude.Proxy.Hosting;

/// <summary>Everything one request's handlers share: the request, the narrow response they write to, the record, and a
/// cancellation source that fires on client disconnect, backend stall or server stop.</summary>
internal sealed class RequestScope(HttpListenerContext context, RecordDraft record, ProxyOptions options,
    CancellationTokenSource cancel, string proxyToken) : IDisposable
{
    /// <summary>The request as the listener parsed it (peer, query, body stream): Hosting's to read; forwarders read
    /// only <see cref="RequestHeaders"/>.</summary>
    public HttpListenerRequest Request { get; } = context.Request;
    /// <summary>The client's headers (a forwarder passes anthropic-version and anthropic-beta on).</summary>
    public NameValueCollection RequestHeaders => Request.Headers;
    /// <summary>Where every answer is written: status, headers, body, end or reset.</summary>
    public IClientResponse Response { get; } = new ListenerResponse(context);
    public RecordDraft Record { get; } = record;
    public ProxyOptions Options { get; } = options;
    public CancellationTokenSource Cancel { get; } = cancel;
    public CancellationToken Token { get; } = cancel.Token;
    public bool TraceBodies => Options.TracePath is not null && Options.TraceLevel == TraceLevel.Debug;
    /// <summary>Record the client's own request body (before translation) for a later replay.</summary>
    public bool TraceClientRequests => Options.TracePath is not null && Options.TraceLevel is TraceLevel.Debug or TraceLevel.Replay;

    private readonly Socket? _socket = ListenerSocketTuning.TryGetSocket(context);

    /// <summary>True once the client has hung up (Esc in Claude Code), even while nothing is written to it.
    /// Always false where the listener's socket cannot be reached: writes still notice then.</summary>
    public bool ClientClosed() => _socket is not null && ListenerSocketTuning.IsPeerClosed(_socket);

    /// <summary>True once a response status has been committed (streams): later errors become error events.</summary>
    public bool ResponseStarted { get; set; }

    /// <summary>Secrets to mask in traced bodies: the proxy token and every backend key.</summary>
    public string RedactBody(ReadOnlySpan<byte> body, BackendSettings? backend) =>
        SecretRedactor.Redact(body, [proxyToken, backend?.ApiKey, Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY")]);

    /// <summary>The client's request as recorded for a replay: every mode's key is masked, since the route may change
    /// after the body is read.</summary>
    public string RedactClientBody(ReadOnlySpan<byte> body, IEnumerable<BackendSettings> backends) =>
        SecretRedactor.Redact(body, backends.Select(b => b.ApiKey).Append(proxyToken).Append(Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY")));

    private int _committed;

    /// <summary>Set by the dispatcher: stores the record (history and trace).</summary>
    public Action<RecordDraft>? Committing { get; set; }

    /// <summary>Stores the record once; called just before the last bytes go to the client.</summary>
    public void Commit()
    {
        if (Interlocked.Exchange(ref _committed, 1) == 0) Committing?.Invoke(Record);
    }

    /// <summary>Stores the record and ends the response (the final chunk of a stream).</summary>
    public void Finish()
    {
        Commit();
        Response.Close();
    }

    public void Dispose() => Cancel.Dispose();
}
