using System.Text.Json;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Cmdlets.Backends;

/// <summary>The engine's model listing (<see cref="ModelDiscovery"/>, on the process's <see cref="BackendHttp.Shared"/>
/// stack) for -Model completion and to tell users early that a backend is not running.</summary>
internal static class BackendModels
{
    public static readonly TimeSpan CompletionTimeout = ModelDiscovery.ListTimeout;

    /// <summary>The model ids the backend lists. Throws on connection errors, timeouts and non-success statuses.</summary>
    public static Task<IReadOnlyList<string>> GetAsync(BackendSettings backend, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ModelDiscovery.GetAsync(BackendHttp.Shared, backend, timeout, cancellationToken);

    /// <summary>Null when the backend answered; otherwise a short reason. The caller's cancellation (Ctrl+C) propagates.</summary>
    public static async Task<string?> ProbeAsync(BackendSettings backend, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await GetAsync(backend, timeout, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when ((e is HttpRequestException or OperationCanceledException or JsonException or ApiException or ArgumentException)
                                  && !cancellationToken.IsCancellationRequested)
        {
            // ApiException wraps the unreadable caCertificate file's own message.
            return e switch
            {
                OperationCanceledException => $"no answer within {timeout.TotalSeconds:0.#} s",
                ApiException { InnerException: { } inner } => inner.Message,
                _ => e.Message,
            };
        }
    }
}
