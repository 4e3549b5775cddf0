using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Backends;

/// <summary>Backend URLs: a user's base URL made whole, and each endpoint under it. Public for the diagnostics
/// and the cmdlets, which reach the same endpoints.</summary>
public static class BackendUrls
{
    /// <summary>OpenAI-style backends get /v1 when no path was given (users write LMSTUDIO_URL=http://localhost:1234).</summary>
    public static Uri NormalizeBaseUrl(Uri baseUrl, BackendMode mode) =>
        mode is BackendMode.LmStudio or BackendMode.MlxLm or BackendMode.OpenAICompatible && baseUrl.AbsolutePath is "" or "/"
            ? new Uri(baseUrl, "/v1")
            : baseUrl;

    /// <summary>{BaseUrl}/chat/completions (BaseUrl carries the /v1 segment).</summary>
    public static Uri ChatCompletions(Uri baseUrl) => new(baseUrl.AbsoluteUri.TrimEnd('/') + "/chat/completions");

    /// <summary>{BaseUrl}/v1/messages, or {BaseUrl}/messages when BaseUrl already ends in /v1.</summary>
    public static Uri Messages(Uri baseUrl)
    {
        var root = baseUrl.AbsoluteUri.TrimEnd('/');
        return new Uri(root.EndsWith("/v1", StringComparison.OrdinalIgnoreCase) ? root + "/messages" : root + "/v1/messages");
    }

    /// <summary>{BaseUrl}/models (OpenAI-style list).</summary>
    public static Uri Models(Uri baseUrl) => new(baseUrl.AbsoluteUri.TrimEnd('/') + "/models");

    /// <summary>LM Studio's native REST list (state, context length), beside /v1 rather than under it:
    /// http://host:1234/v1 → http://host:1234/api/v0/models.</summary>
    public static Uri LmStudioModels(Uri baseUrl)
    {
        var path = baseUrl.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/v1", StringComparison.OrdinalIgnoreCase)) path = path[..^3];
        return new Uri(baseUrl, path + "/api/v0/models");
    }
}
