using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>A backend base URL as users write it (parameter, environment variable, config file).</summary>
internal static class BaseUrlSetting
{
    /// <summary>An absolute http(s) URL, made whole by <see cref="BackendUrls.NormalizeBaseUrl"/>.</summary>
    public static Uri Parse(string text, BackendMode mode, string where)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ConfigurationException(
                $"{where}: '{text}' is not an absolute http(s) URL. Use a URL like {BackendSettings.Default(mode).BaseUrl}.", where);
        }

        return BackendUrls.NormalizeBaseUrl(uri, mode);
    }
}
