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
        if (settings is not null && settings.Mode != mode)
            throw new ArgumentException($"Settings are for {settings.Mode}, not {mode}.", nameof(settings));
        using var body = new MemoryStream();
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            w.WriteString("mode", mode.ToString());
            if (settings is not null)
            {
                w.WriteString("baseUrl", settings.BaseUrl.AbsoluteUri);
                if (settings.Model is null) w.WriteNull("model"); else w.WriteString("model", settings.Model);
                if (!string.IsNullOrEmpty(settings.ApiKey)) w.WriteString("apiKey", settings.ApiKey);
                w.WriteString("toolCalls", settings.ToolCalls.ToString());
                w.WriteString("toolHistory", settings.ToolHistory.ToString());
                if (settings.BackgroundRequests is { } background) w.WriteString("backgroundRequests", background.ToString());
                if (settings.ContextWindow is { } cw) w.WriteNumber("contextWindow", cw); else w.WriteNull("contextWindow");
                if (settings.MaxConcurrency > 0) w.WriteNumber("maxConcurrency", settings.MaxConcurrency); else w.WriteNull("maxConcurrency");
            }
            w.WriteEndObject();
        }
        using var _ = await SendAsync(HttpMethod.Post, "anyclaude/mode", body.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<RequestRecord>> GetRecordsAsync(CancellationToken cancellationToken = default) =>
        (await ReadRecordsAsync(0, TimeSpan.Zero, cancellationToken).ConfigureAwait(false)).Records;

    /// <summary>The records numbered after <paramref name="after"/> (0: all kept); when there are none yet, the proxy
    /// holds the call up to <paramref name="wait"/> (capped at 10 s) for the next one. Pass the answer's Next as
    /// <paramref name="after"/> next time: a live view without polling.</summary>
    public async Task<RecordBatch> ReadRecordsAsync(long after, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var waitMs = (long)Math.Clamp(wait.TotalMilliseconds, 0, ControlEndpoint.MaxWait.TotalMilliseconds);
        using var doc = await SendAsync(HttpMethod.Get, $"anyclaude/requests?after={after}&waitMs={waitMs}", null, cancellationToken).ConfigureAwait(false);
        var list = new List<RequestRecord>();
        foreach (var e in doc.RootElement.GetProperty("data").EnumerateArray()) list.Add(RecordJson.Read(e));
        var next = doc.RootElement.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt64() : after + list.Count;
        return new RecordBatch(list, next);
    }

    /// <summary>The credential every control call carries: the one place to change when control gets its own token.</summary>
    private string ControlToken => State.ControlToken;

    private ProxyStatus ReadStatus(JsonElement root)
    {
        var mode = Enum.Parse<BackendMode>(root.GetProperty("mode").GetString()!);
        var backends = new List<BackendSettings>();
        foreach (var e in root.GetProperty("backends").EnumerateArray()) backends.Add(SettingsJson.Read(e));
        return new ProxyStatus(State, mode, backends);
    }

    private async Task<JsonDocument> SendAsync(HttpMethod method, string relative, byte[]? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(State.BaseUrl, relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ControlToken);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await Backends.BackendHttp.Shared.ForControl().SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ProxyControlException($"The proxy on port {State.Port} (pid {State.ProcessId}) is not reachable: {e.Message}", e);
        }
        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new ProxyControlException($"The proxy on port {State.Port} refused {method} /{relative}: HTTP {(int)response.StatusCode}: {Backends.BackendErrors.ExtractMessage(bytes)}");
            return JsonDocument.Parse(bytes);
        }
    }
}

/// <summary>A control call failed (proxy gone, token refused, bad settings).</summary>
public sealed class ProxyControlException(string message, Exception? inner = null) : Exception(message, inner);
