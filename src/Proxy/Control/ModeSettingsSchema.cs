using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Proxy.Control;

/// <summary>
/// The one description of a mode's settings on the control plane: what GET /anyclaude/status reports for each mode,
/// what POST /anyclaude/mode takes (and <see cref="ProxyControlClient"/> sends), how each value is written, read back
/// and validated. A new setting is one entry in <see cref="s_fields"/>: the status, the client and the endpoint all
/// follow. Every problem in a request is a 400 invalid_request_error that names its field; unknown request fields are
/// refused (a typo must not pass silently), unknown status fields ignored (a newer proxy may report more).
/// API keys are taken, never reported: the status says only whether one is set.
/// </summary>
internal static class ModeSettingsSchema
{
    private const int MaxContextWindow = 100_000_000;
    private const int MaxConcurrencyLimit = 1024;
    private const int MaxTextLength = 4096;

    /// <summary>Where a field travels: in the status, in a mode request, or both.</summary>
    [Flags]
    private enum Carried { Reported = 1, Requested = 2, Both = Reported | Requested }

    private abstract class Field(string name, Carried carried)
    {
        public string Name { get; } = name;
        public bool Reported => carried.HasFlag(Carried.Reported);
        public bool Requested => carried.HasFlag(Carried.Requested);

        /// <summary>Writes the field (name and value) or nothing, when a request leaves it out.</summary>
        public abstract void Write(Utf8JsonWriter w, BackendSettings settings, bool request);

        /// <summary>Validates the value (an ApiException naming the field when it is refused) and returns what
        /// setting it does to a mode's settings.</summary>
        public abstract Func<BackendSettings, BackendSettings> Read(JsonElement value);
    }

    private sealed class Field<T>(
        string name, Carried carried,
        Func<BackendSettings, T> get, Func<BackendSettings, T, BackendSettings> set,
        Action<Utf8JsonWriter, T> writeValue, Func<JsonElement, string, T> parse,
        bool omitNullInRequest = false) : Field(name, carried)
    {
        public override void Write(Utf8JsonWriter w, BackendSettings settings, bool request)
        {
            var value = get(settings);
            if (value is null && request && omitNullInRequest) return;
            w.WritePropertyName(Name);
            if (value is null) w.WriteNullValue();
            else writeValue(w, value);
        }

        public override Func<BackendSettings, BackendSettings> Read(JsonElement value)
        {
            var parsed = parse(value, Name);
            return s => set(s, parsed);
        }
    }

    private static readonly Field[] s_fields =
    [
        // Credentials stay bound to the URL they were configured for: a new baseUrl drops the mode's key and extra
        // headers, unless the same request gives a key (apiKey comes after baseUrl, so it is applied after).
        new Field<Uri>("baseUrl", Carried.Both, s => s.BaseUrl,
            (s, url) => string.Equals(url.AbsoluteUri, s.BaseUrl.AbsoluteUri, StringComparison.Ordinal) ? s
                : s with { BaseUrl = url, ApiKey = null, Headers = new Dictionary<string, string>() },
            (w, url) => w.WriteStringValue(url.AbsoluteUri), ParseUrl),
        new Field<string?>("model", Carried.Both, s => s.Model, (s, v) => s with { Model = v }, (w, v) => w.WriteStringValue(v), NullableText),
        // Absent keeps the proxy's key (while the URL stays); null clears it.
        new Field<string?>("apiKey", Carried.Requested, s => s.ApiKey, (s, v) => s with { ApiKey = v }, (w, v) => w.WriteStringValue(v), NullableText,
            omitNullInRequest: true),
        new Field<ToolCallMode>("toolCalls", Carried.Both, s => s.ToolCalls, (s, v) => s with { ToolCalls = v }, WriteName, ParseName<ToolCallMode>),
        new Field<ToolHistoryMode>("toolHistory", Carried.Both, s => s.ToolHistory, (s, v) => s with { ToolHistory = v }, WriteName, ParseName<ToolHistoryMode>),
        new Field<BackgroundPolicy?>("backgroundRequests", Carried.Both, s => s.BackgroundRequests, (s, v) => s with { BackgroundRequests = v },
            (w, v) => w.WriteStringValue(v!.ToString()), ParseBackground),
        new Field<SubAgentPolicy?>("subAgentRequests", Carried.Both, s => s.SubAgentRequests, (s, v) => s with { SubAgentRequests = v },
            (w, v) => w.WriteStringValue(v!.ToString()), ParseSubAgents),
        new Field<int?>("contextWindow", Carried.Both, s => s.ContextWindow, (s, v) => s with { ContextWindow = v }, (w, v) => w.WriteNumberValue(v!.Value),
            (e, name) => e.ValueKind == JsonValueKind.Null ? null : PositiveInt(e, name, MaxContextWindow, "null to forget it")),
        new Field<ContextPolicyMode>("contextPolicy", Carried.Both, s => s.ContextPolicy, (s, v) => s with { ContextPolicy = v }, WriteName, ParseName<ContextPolicyMode>),
        // 0 (automatic) travels as null.
        new Field<int?>("maxConcurrency", Carried.Both, s => s.MaxConcurrency > 0 ? s.MaxConcurrency : null, (s, v) => s with { MaxConcurrency = v ?? 0 },
            (w, v) => w.WriteNumberValue(v!.Value),
            (e, name) => e.ValueKind == JsonValueKind.Null ? null
                : PositiveInt(e, name, MaxConcurrencyLimit, "null for the default: 1 for a loopback backend, more for a remote one")),
        // Seconds, as in the config file.
        new Field<TimeSpan?>("stallTimeout", Carried.Both, s => s.StallTimeout, (s, v) => s with { StallTimeout = v },
            (w, v) => w.WriteNumberValue(v!.Value.TotalSeconds), ParseSeconds),
        // Reported only: a proxy trusts what its own configuration names, not a path another process sends.
        new Field<string?>("caCertificate", Carried.Reported, s => s.CaCertificate, (s, v) => s with { CaCertificate = v },
            (w, v) => w.WriteStringValue(v), NullableText),
    ];

    private static readonly string[] s_requestFields = ["mode", .. s_fields.Where(f => f.Requested).Select(f => f.Name)];

    /// <summary>One mode's settings as the status reports them (with what the proxy derives from them).</summary>
    public static void WriteReported(Utf8JsonWriter w, BackendSettings settings)
    {
        w.WriteStartObject();
        w.WriteString("mode", settings.Mode.ToString());
        foreach (var field in s_fields.Where(f => f.Reported)) field.Write(w, settings, request: false);
        w.WriteNumber("effectiveMaxConcurrency", settings.EffectiveMaxConcurrency);
        w.WriteBoolean("hasApiKey", !string.IsNullOrEmpty(settings.ApiKey));
        w.WriteEndObject();
    }

    /// <summary>A mode's settings from the status (ApiKey null: keys are not reported); what a field leaves out keeps
    /// the mode's default. Throws an ApiException naming a field the proxy reported in a form this schema refuses.</summary>
    public static BackendSettings ReadReported(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) throw ApiException.InvalidRequest("A reported mode must be a JSON object.");
        var settings = BackendSettings.Default(ReadMode(e));
        foreach (var field in s_fields.Where(f => f.Reported))
            if (e.TryGetProperty(field.Name, out var value)) settings = field.Read(value)(settings);
        return settings;
    }

    /// <summary>The body of POST /anyclaude/mode: the mode, and with <paramref name="settings"/> every setting a
    /// request carries (the key only when one is given).</summary>
    public static byte[] WriteRequest(BackendMode mode, BackendSettings? settings)
    {
        if (settings is not null && settings.Mode != mode)
            throw new ArgumentException($"Settings are for {settings.Mode}, not {mode}.", nameof(settings));
        using var body = new MemoryStream();
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            w.WriteString("mode", mode.ToString());
            if (settings is not null)
                foreach (var field in s_fields.Where(f => f.Requested)) field.Write(w, settings, request: true);
            w.WriteEndObject();
        }
        return body.ToArray();
    }

    /// <summary>Validates the body of POST /anyclaude/mode field by field.</summary>
    public static ModeChangeRequest ParseRequest(ReadOnlyMemory<byte> body)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body); }
        catch (JsonException e) { throw ApiException.InvalidRequest($"The mode request is not valid JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw ApiException.InvalidRequest("The mode request must be a JSON object.");
            foreach (var property in root.EnumerateObject())
                if (!s_requestFields.Contains(property.Name, StringComparer.Ordinal))
                    throw FieldError(property.Name, $"unknown field. Known fields: {string.Join(", ", s_requestFields)}.");

            var mode = ReadMode(root);
            // Every value is validated here, before anything changes; the changes apply in the fields' order.
            var changes = new List<Func<BackendSettings, BackendSettings>>();
            foreach (var field in s_fields.Where(f => f.Requested))
                if (root.TryGetProperty(field.Name, out var value)) changes.Add(field.Read(value));
            return new ModeChangeRequest(mode, changes);
        }
    }

    /// <summary>The "mode" of a request, a reported mode or the status itself.</summary>
    public static BackendMode ReadMode(JsonElement e)
    {
        if (!e.TryGetProperty("mode", out var modeElement) || modeElement.ValueKind != JsonValueKind.String)
            throw FieldError("mode", "required, a string (lmstudio, mlx-lm, claude, openai, anthropic-compatible).");
        var text = modeElement.GetString();
        if (!ModeNames.TryParse(text, out var mode) && !TryParseName(text, out mode))
            throw FieldError("mode", $"unknown mode '{text}'. Known: {string.Join(", ", ModeNames.All)}.");
        return mode;
    }

    private static Uri ParseUrl(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.String) throw FieldError(field, "must be a string, an absolute http or https URL.");
        var text = e.GetString()!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
            throw FieldError(field, $"'{Shorten(text)}' is not an absolute URL.");
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            throw FieldError(field, $"the scheme must be http or https, not '{uri.Scheme}'.");
        if (string.IsNullOrEmpty(uri.Host)) throw FieldError(field, "the URL has no host.");
        if (!string.IsNullOrEmpty(uri.UserInfo)) throw FieldError(field, "credentials in the URL are not accepted; give apiKey instead.");
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            throw FieldError(field, "the URL must not have a query or fragment.");
        return uri;
    }

    private static string? NullableText(JsonElement e, string field)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind != JsonValueKind.String) throw FieldError(field, "must be a string or null.");
        var text = e.GetString()!;
        if (text.Length == 0) throw FieldError(field, "must not be empty (null clears it).");
        if (text.Length > MaxTextLength) throw FieldError(field, $"longer than {MaxTextLength} characters.");
        // It ends up in an HTTP header or request body: no control characters (CR/LF would split headers).
        if (text.Any(char.IsControl)) throw FieldError(field, "must not contain control characters.");
        return text;
    }

    private static BackgroundPolicy? ParseBackground(JsonElement e, string field)
    {
        if (e.ValueKind == JsonValueKind.Null) return null; // the mode's default
        if (e.ValueKind != JsonValueKind.String || !BackgroundPolicy.TryParse(e.GetString(), out var policy))
            throw FieldError(field, $"must be {BackgroundPolicy.Forms}, or null for the mode's default.");
        return policy;
    }

    private static SubAgentPolicy? ParseSubAgents(JsonElement e, string field)
    {
        if (e.ValueKind == JsonValueKind.Null) return null; // the mode's default
        if (e.ValueKind != JsonValueKind.String || !SubAgentPolicy.TryParse(e.GetString(), out var policy))
            throw FieldError(field, $"must be {SubAgentPolicy.Forms}, or null for the mode's default.");
        return policy;
    }

    private static TimeSpan? ParseSeconds(JsonElement e, string field)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        var max = BackendSettings.MaxStallTimeout.TotalSeconds;
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var seconds) || !(seconds > 0 && seconds <= max))
            throw FieldError(field, $"must be a number of seconds above 0 and at most {max}, or null for the proxy's default (got {Shorten(e.GetRawText())}).");
        return TimeSpan.FromSeconds(seconds);
    }

    private static int PositiveInt(JsonElement e, string field, int max, string nullMeaning)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var n) || n < 1 || n > max)
            throw FieldError(field, $"must be a whole number from 1 to {max}, or {nullMeaning} (got {Shorten(e.GetRawText())}).");
        return n;
    }

    private static void WriteName<T>(Utf8JsonWriter w, T value) where T : struct, Enum => w.WriteStringValue(value.ToString());

    private static T ParseName<T>(JsonElement e, string field) where T : struct, Enum =>
        e.ValueKind == JsonValueKind.String && TryParseName(e.GetString(), out T value) ? value
            : throw FieldError(field, $"must be {string.Join(" or ", Enum.GetNames<T>().Select(n => $"\"{n}\""))}.");

    /// <summary>Enum names only: Enum.TryParse would also take "7" or "1,2".</summary>
    private static bool TryParseName<T>(string? text, out T value) where T : struct, Enum
    {
        value = default;
        if (string.IsNullOrEmpty(text) || !char.IsAsciiLetter(text[0])) return false;
        return Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value);
    }

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "…";

    private static ApiException FieldError(string name, string problem) => ApiException.InvalidRequest($"{name}: {problem}");
}

/// <summary>A validated POST /anyclaude/mode (<see cref="ModeSettingsSchema.ParseRequest"/>): the mode to make
/// active and the settings the request changes, in the schema's order.</summary>
internal sealed class ModeChangeRequest(BackendMode mode, IReadOnlyList<Func<BackendSettings, BackendSettings>> changes)
{
    public BackendMode Mode { get; } = mode;

    public bool ChangesSettings => changes.Count > 0;

    /// <summary>The mode's new settings: the fields present over <paramref name="current"/>.</summary>
    public BackendSettings ApplyTo(BackendSettings current) => changes.Aggregate(current, (s, change) => change(s));
}
