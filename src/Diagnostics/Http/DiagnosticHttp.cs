using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Translation;

namespace AnyClaude.Diagnostics.Http;

/// <summary>
/// Requests, deadlines and failure texts for diagnostics. The clients come from the engine's stack
/// (<see cref="Proxy.Backends.BackendHttp"/>, made per run with the run's connect timeout): a backend is called with
/// the same system-proxy rule and CA trust as the proxy's own calls; each call passes its own deadline.
/// </summary>
internal static class DiagnosticHttp
{

    /// <summary>A request carrying the backend's API key (Bearer) and extra headers.</summary>
    public static HttpRequestMessage ForBackend(BackendSettings settings, HttpMethod method, Uri url, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        // mlx_lm.server (HTTP/1.0) closes every connection; never risk reusing one it already closed.
        request.Headers.ConnectionClose = true;
        if (!string.IsNullOrEmpty(settings.ApiKey))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        foreach (var (name, value) in settings.Headers)
            request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    /// <summary>A token that fires after timeout or when the caller cancels.</summary>
    /// <summary>A JSON body written as Claude Code writes it (JSON.stringify: ' &lt; &gt; stay literal), so the proxy counts the
    /// tokens the workload was sized to (the default encoder's \u0027 escapes cost ~70 % more tokens in the tools).</summary>
    public static StringContent Json(JsonNode body) =>
        new(body.ToJsonString(JsonStyle.SerializerOptions), System.Text.Encoding.UTF8, "application/json");

    public static CancellationTokenSource Deadline(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        return cts;
    }

    /// <summary>A failure a call reports as <see cref="BackendCallException"/>: the connection, the deadline, or a
    /// stream the engine's reader refused (an overlong line, invalid UTF-8); never the caller's own cancellation.</summary>
    public static bool IsCallFailure(Exception ex, CancellationToken callerToken) =>
        ex is HttpRequestException or IOException or OperationCanceledException && !callerToken.IsCancellationRequested
        || ex is BackendStreamException;

    /// <summary>The <see cref="BackendCallException"/> for a failure <see cref="IsCallFailure"/> accepted: a refused
    /// stream answered (status 200), anything else is unreachable (0).</summary>
    public static BackendCallException CallFailure(Exception ex, Uri url, TimeSpan timeout, CancellationToken callerToken) =>
        ex is BackendStreamException
            ? new BackendCallException(200, $"{url}: {ex.Message}")
            : new BackendCallException(0, Describe(ex, url, timeout, callerToken));

    /// <summary>A short, readable reason for a failed call (never includes headers, so never a key).</summary>
    public static string Describe(Exception ex, Uri url, TimeSpan timeout, CancellationToken callerToken) => ex switch
    {
        OperationCanceledException when !callerToken.IsCancellationRequested =>
            $"no answer from {url} within {timeout.TotalSeconds:0.#} s",
        HttpRequestException { InnerException: { } inner } => $"{url}: {inner.Message}",
        HttpRequestException h => $"{url}: {h.Message}",
        _ => $"{url}: {ex.Message}",
    };
}
