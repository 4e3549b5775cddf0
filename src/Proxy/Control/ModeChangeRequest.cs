using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Proxy.Control;

/// <summary>
/// The body of POST /anyclaude/mode, validated field by field:
/// {mode, baseUrl?, model?, apiKey?, toolCalls?, toolHistory?, backgroundRequests?, contextWindow?, maxConcurrency?}. Every problem is a 400
/// invalid_request_error naming the field; unknown fields are refused (a typo must not pass silently).
/// </summary>
internal sealed class ModeChangeRequest
{
    public const int MaxContextWindow = 100_000_000;
    public const int MaxConcurrencyLimit = 1024;
    private const int MaxTextLength = 4096;

    private static readonly HashSet<string> s_fields = new(StringComparer.Ordinal)
    {
        "mode", "baseUrl", "model", "apiKey", "toolCalls", "toolHistory", "backgroundRequests", "contextWindow", "maxConcurrency",
    };

    public required BackendMode Mode { get; init; }
    public Uri? BaseUrl { get; init; }
    public bool HasModel { get; init; }
    public string? Model { get; init; }
    public bool HasApiKey { get; init; }
    public string? ApiKey { get; init; }
    public ToolCallMode? ToolCalls { get; init; }
    public ToolHistoryMode? ToolHistory { get; init; }
    public BackgroundPolicy? BackgroundRequests { get; init; }
    public bool HasContextWindow { get; init; }
    public int? ContextWindow { get; init; }
    public bool HasMaxConcurrency { get; init; }
    public int MaxConcurrency { get; init; }

    public bool ChangesSettings => BaseUrl is not null || HasModel || HasApiKey || ToolCalls is not null || ToolHistory is not null || BackgroundRequests is not null || HasContextWindow || HasMaxConcurrency;

    public static ModeChangeRequest Parse(ReadOnlyMemory<byte> body)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body); }
        catch (JsonException e) { throw ApiException.InvalidRequest($"The mode request is not valid JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw ApiException.InvalidRequest("The mode request must be a JSON object.");
            foreach (var property in root.EnumerateObject())
                if (!s_fields.Contains(property.Name))
                    throw Field(property.Name, $"unknown field. Known fields: {string.Join(", ", s_fields)}.");

            if (!root.TryGetProperty("mode", out var modeElement) || modeElement.ValueKind != JsonValueKind.String)
                throw Field("mode", "required, a string (lmstudio, mlx-lm, claude, openai, anthropic-compatible).");
            var modeText = modeElement.GetString();
            if (!ModeNames.TryParse(modeText, out var mode) && !TryParseName(modeText, out mode))
                throw Field("mode", $"unknown mode '{modeText}'. Known: {string.Join(", ", ModeNames.All)}.");

            Uri? baseUrl = null;
            if (root.TryGetProperty("baseUrl", out var url)) baseUrl = ParseUrl(url);

            var hasModel = root.TryGetProperty("model", out var modelElement);
            var model = hasModel ? NullableText(modelElement, "model") : null;

            var hasKey = root.TryGetProperty("apiKey", out var keyElement);
            var apiKey = hasKey ? NullableText(keyElement, "apiKey") : null;

            ToolCallMode? toolCalls = null;
            if (root.TryGetProperty("toolCalls", out var tools))
            {
                if (tools.ValueKind != JsonValueKind.String || !TryParseName(tools.GetString(), out ToolCallMode parsed))
                    throw Field("toolCalls", "must be \"Native\" or \"Off\".");
                toolCalls = parsed;
            }

            ToolHistoryMode? toolHistory = null;
            if (root.TryGetProperty("toolHistory", out var history))
            {
                if (history.ValueKind != JsonValueKind.String || !TryParseName(history.GetString(), out ToolHistoryMode parsed))
                    throw Field("toolHistory", "must be \"Native\" or \"Text\".");
                toolHistory = parsed;
            }

            BackgroundPolicy? background = null;
            if (root.TryGetProperty("backgroundRequests", out var bg))
            {
                if (bg.ValueKind != JsonValueKind.String || !BackgroundPolicy.TryParse(bg.GetString(), out var parsed))
                    throw Field("backgroundRequests", $"must be {BackgroundPolicy.Forms}.");
                background = parsed;
            }

            var hasWindow = root.TryGetProperty("contextWindow", out var window);
            int? contextWindow = null;
            if (hasWindow && window.ValueKind != JsonValueKind.Null)
                contextWindow = PositiveInt(window, "contextWindow", MaxContextWindow, "null to forget it");

            var hasMax = root.TryGetProperty("maxConcurrency", out var max);
            var maxConcurrency = 0;
            if (hasMax && max.ValueKind != JsonValueKind.Null)
                maxConcurrency = PositiveInt(max, "maxConcurrency", MaxConcurrencyLimit, "null for the default: 1 for a loopback backend, more for a remote one");

            return new ModeChangeRequest
            {
                Mode = mode, BaseUrl = baseUrl, HasModel = hasModel, Model = model, HasApiKey = hasKey, ApiKey = apiKey,
                ToolCalls = toolCalls, ToolHistory = toolHistory, BackgroundRequests = background, HasContextWindow = hasWindow, ContextWindow = contextWindow,
                HasMaxConcurrency = hasMax, MaxConcurrency = maxConcurrency,
            };
        }
    }

    /// <summary>The mode's new settings. Credentials stay bound to the URL they were configured for: a new
    /// baseUrl drops the mode's API key and extra headers unless this same request gives a key with it.</summary>
    public BackendSettings ApplyTo(BackendSettings current)
    {
        var settings = current;
        if (BaseUrl is not null && !string.Equals(BaseUrl.AbsoluteUri, current.BaseUrl.AbsoluteUri, StringComparison.Ordinal))
            settings = settings with { BaseUrl = BaseUrl, ApiKey = null, Headers = new Dictionary<string, string>() };
        if (HasModel) settings = settings with { Model = Model };
        if (HasApiKey) settings = settings with { ApiKey = ApiKey };
        if (ToolCalls is { } tools) settings = settings with { ToolCalls = tools };
        if (ToolHistory is { } history) settings = settings with { ToolHistory = history };
        if (BackgroundRequests is { } background) settings = settings with { BackgroundRequests = background };
        if (HasContextWindow) settings = settings with { ContextWindow = ContextWindow };
        if (HasMaxConcurrency) settings = settings with { MaxConcurrency = MaxConcurrency };
        return settings;
    }

    private static Uri ParseUrl(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.String) throw Field("baseUrl", "must be a string, an absolute http or https URL.");
        var text = e.GetString()!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
            throw Field("baseUrl", $"'{Shorten(text)}' is not an absolute URL.");
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            throw Field("baseUrl", $"the scheme must be http or https, not '{uri.Scheme}'.");
        if (string.IsNullOrEmpty(uri.Host)) throw Field("baseUrl", "the URL has no host.");
        if (!string.IsNullOrEmpty(uri.UserInfo)) throw Field("baseUrl", "credentials in the URL are not accepted; give apiKey instead.");
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            throw Field("baseUrl", "the URL must not have a query or fragment.");
        return uri;
    }

    private static string? NullableText(JsonElement e, string field)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind != JsonValueKind.String) throw Field(field, "must be a string or null.");
        var text = e.GetString()!;
        if (text.Length == 0) throw Field(field, "must not be empty (null clears it).");
        if (text.Length > MaxTextLength) throw Field(field, $"longer than {MaxTextLength} characters.");
        // It ends up in an HTTP header or request body: no control characters (CR/LF would split headers).
        if (text.Any(char.IsControl)) throw Field(field, "must not contain control characters.");
        return text;
    }

    private static int PositiveInt(JsonElement e, string field, int max, string nullMeaning)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var n) || n < 1 || n > max)
            throw Field(field, $"must be a whole number from 1 to {max}, or {nullMeaning} (got {Shorten(e.GetRawText())}).");
        return n;
    }

    /// <summary>Enum names only: Enum.TryParse would also take "7" or "1,2".</summary>
    private static bool TryParseName<T>(string? text, out T value) where T : struct, Enum
    {
        value = default;
        if (string.IsNullOrEmpty(text) || !char.IsAsciiLetter(text[0])) return false;
        return Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value);
    }

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "…";

    private static ApiException Field(string name, string problem) => ApiException.InvalidRequest($"{name}: {problem}");
}
