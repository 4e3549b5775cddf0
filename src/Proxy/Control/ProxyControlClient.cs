using System.Net.Http.Headers;
using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;

namespace AnyClaude.Proxy.Control;

/// <summary>The active mode and every mode's settings, as a running proxy reports them.
/// API keys are never reported: settings read back have ApiKey null.</summary>
public sealed record ProxyStatus(ProxyState State, BackendMode Mode, IReadOnlyList<BackendSettings> Backends);

/// <summary>Talks to a proxy (possibly in another process) through its authenticated control endpoint.</summary>
public sealed class ProxyControlClient(ProxyState state)
{
    public ProxyState State { get; } = state;

    public async Task<ProxyStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        using var doc = await SendAsync(HttpMethod.Get, "anyclaude/status", null, cancellationToken).ConfigureAwait(false);
        return ReadStatus(doc.RootElement);
    }

    /// <summary>Switches the proxy's mode; settings (optional) replace that mode's settings first. The proxy keeps
    /// the mode's API key only while the URL stays the same: with a new BaseUrl, only settings.ApiKey (given here,
    /// by the caller) goes there.</summary>
    public async Task SetModeAsync(BackendMode mode, BackendSettings? settings = null, CancellationToken cancellationToken = default)
    {
        var body = ModeSettingsSchema.WriteRequest(mode, settings);
        using var _ = await SendAsync(HttpMethod.Post, "anyclaude/mode", body, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<RequestRecord>> GetRecordsAsync(CancellationToken cancellationToken = default) =>
        (await ReadRecordsAsync(0, TimeSpan.Zero, cancellationToken).ConfigureAwait(false)).Records;

    /// <summary>The records numbered after <paramref name="after"/> (0: all kept); when there are none yet, the proxy
    /// holds the call up to <paramref name="wait"/> (capped at 10 s) for the next one. Pass the answer's Next as
    /// <paramref name="after"/> next time: a live view without polling.</summary>
    public async Task<RecordBatch> ReadRecordsAsync(long after, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var waitMs = (long)Math.Clamp(wait.TotalMilliseconds, 0, ControlEndpoint.MaxWait.TotalMilliseconds);
        var relative = $"anyclaude/requests?after={after}&waitMs={waitMs}";
        using var doc = await SendAsync(HttpMethod.Get, relative, null, cancellationToken).ConfigureAwait(false);
        return Read(relative, () =>
        {
            var list = new List<RequestRecord>();
            foreach (var e in doc.RootElement.GetProperty("data").EnumerateArray()) list.Add(RecordJson.Read(e));
            var next = doc.RootElement.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt64() : after + list.Count;
            return new RecordBatch(list, next);
        });
    }

    /// <summary>The credential every control call carries: the one place to change when control gets its own token.</summary>
    private string ControlToken => State.ControlToken;

    private string Who => $"The proxy of process {State.ProcessId} on port {State.Port}";

    private ProxyStatus ReadStatus(JsonElement root) => Read("anyclaude/status", () =>
        new ProxyStatus(State, ModeSettingsSchema.ReadMode(root), root.GetProperty("backends").EnumerateArray().Select(ModeSettingsSchema.ReadReported).ToList()));

    /// <summary>An answer this client cannot read (another version of AnyClaude, or not a proxy at all) is a
    /// <see cref="ProxyControlException"/> like every other failure of a control call.</summary>
    private T Read<T>(string relative, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or Errors.ApiException)
        {
            throw new ProxyControlException(ProxyControlFailure.UnreadableAnswer, $"{Who} answered /{relative} with something this module cannot read: {e.Message}", e);
        }
    }

    /// <summary>One control call. Every failure but the caller's own cancellation is a <see cref="ProxyControlException"/>
    /// saying which of the four it was: not reachable, no answer in time, refused, or an unreadable answer.</summary>
    private async Task<JsonDocument> SendAsync(HttpMethod method, string relative, byte[]? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(State.BaseUrl, relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ControlToken);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        int status;
        byte[] bytes;
        try
        {
            using var response = await Backends.BackendHttp.Shared.ForControl().SendAsync(request, ct).ConfigureAwait(false);
            status = (int)response.StatusCode;
            bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ProxyControlException(ProxyControlFailure.Unreachable, $"{Who} is not reachable: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            // HttpClient's own timeout, not the caller's cancellation (Ctrl+C), which propagates as it is.
            throw new ProxyControlException(ProxyControlFailure.NoAnswer, $"{Who} did not answer {method} /{relative} in time (its pwsh may be busy or suspended).", e);
        }
        if (status is < 200 or > 299)
        {
            throw new ProxyControlException(ProxyControlFailure.Refused,
                $"{Who} refused {method} /{relative}: HTTP {status}: {Backends.BackendErrors.ExtractMessage(bytes)}", statusCode: status);
        }
        return Read(relative, () => JsonDocument.Parse(bytes));
    }
}

/// <summary>Why a control call failed.</summary>
public enum ProxyControlFailure
{
    /// <summary>Nothing listens where the state file points (the proxy stopped or crashed), or the connection broke.</summary>
    Unreachable,
    /// <summary>The proxy accepted the call but did not answer in time (its process is busy or suspended).</summary>
    NoAnswer,
    /// <summary>The proxy answered with an error status (<see cref="ProxyControlException.StatusCode"/>): a setting it
    /// refuses (400), a token it does not know (401).</summary>
    Refused,
    /// <summary>The answer is not what this client reads (another version of AnyClaude, or not a proxy).</summary>
    UnreadableAnswer,
}

/// <summary>A control call failed: the one exception <see cref="ProxyControlClient"/> throws (besides the caller's
/// own cancellation), so a caller catches one type.</summary>
public sealed class ProxyControlException(ProxyControlFailure failure, string message, Exception? inner = null, int? statusCode = null)
    : Exception(message, inner)
{
    public ProxyControlFailure Failure { get; } = failure;

    /// <summary>The HTTP status of a <see cref="ProxyControlFailure.Refused"/> call.</summary>
    public int? StatusCode { get; } = statusCode;
}
