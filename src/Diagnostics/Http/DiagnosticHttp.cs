using System.Net.Http.Headers;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Http;

/// <summary>
/// HttpClient factory for diagnostics: a short connect timeout so a dead backend fails in seconds, no
/// client-wide timeout (each call passes its own deadline), and no proxy (everything here is loopback/LAN).
/// </summary>
internal static class DiagnosticHttp
{
    public static HttpClient Create(TimeSpan connectTimeout) => new(new SocketsHttpHandler
    {
        ConnectTimeout = connectTimeout,
        UseProxy = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

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
    public static CancellationTokenSource Deadline(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        return cts;
    }

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
