using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>Parses backend URLs the way users write them.</summary>
internal static class BackendUrls
{
    /// <summary>An absolute http(s) URL; OpenAI-style backends get /v1 when no path was given
    /// (users write LMSTUDIO_URL=http://localhost:1234).</summary>
    public static Uri Parse(string text, BackendMode mode, string where)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ConfigurationException(
                $"{where}: '{text}' is not an absolute http(s) URL. Use a URL like {BackendSettings.Default(mode).BaseUrl}.", where);
        }

        return Normalize(uri, mode);
    }

    public static Uri Normalize(Uri uri, BackendMode mode)
    {
        bool openAiStyle = mode is BackendMode.LmStudio or BackendMode.MlxLm or BackendMode.OpenAICompatible;
        if (openAiStyle && uri.AbsolutePath is "" or "/")
        {
            return new Uri(uri, "/v1");
        }

        return uri;
    }
}
