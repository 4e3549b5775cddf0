using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Diagnostics.Http;

/// <summary>The URLs diagnostics call on a backend, derived from its /v1 base URL.</summary>
internal static class BackendEndpoints
{
    public static Uri Models(BackendSettings s) => Append(s.BaseUrl, "models");
    public static Uri ChatCompletions(BackendSettings s) => Append(s.BaseUrl, "chat/completions");

    /// <summary>LM Studio's native REST list (state, context length); lives beside /v1, not under it.</summary>
    public static Uri LmStudioModels(BackendSettings s) => Append(Root(s.BaseUrl), "api/v0/models");

    /// <summary>The server root: the base URL without a trailing /v1 segment.</summary>
    public static Uri Root(Uri baseUrl)
    {
        var text = baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        if (text.EndsWith("/v1", StringComparison.OrdinalIgnoreCase))
            text = text[..^3];
        return new Uri(text + "/");
    }

    public static Uri Append(Uri baseUrl, string relative) =>
        new(baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + relative);
}
