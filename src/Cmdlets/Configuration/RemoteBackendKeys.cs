using System.Text.Json.Nodes;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>
/// The config keys for team servers, per mode under "backends.&lt;mode&gt;":
/// "apiKeySecret" (a SecretManagement secret name, read with Get-Secret when the proxy starts),
/// "caCertificate" (a PEM file to trust for that backend's HTTPS; relative to the config file's folder),
/// "maxConcurrency" (requests served at once; default 1 for loopback backends, 4 for remote ones).
/// </summary>
internal static class RemoteBackendKeys
{
    public static string? ParseSecretName(JsonObject entry, string key)
    {
        if (entry["apiKeySecret"] is not JsonNode node)
        {
            return null;
        }

        var name = node.GetValue<string>();
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new FormatException($"\"backends.{key}.apiKeySecret\" must name a secret (Get-Secret -Name)");
        }

        if (entry["apiKey"] is not null)
        {
            throw new FormatException($"\"backends.{key}\" has both \"apiKey\" and \"apiKeySecret\"; keep one");
        }

        return name.Trim();
    }

    public static string? ParseCaCertificate(JsonObject entry, string key, string configPath)
    {
        if (entry["caCertificate"] is not JsonNode node)
        {
            return null;
        }

        var text = node.GetValue<string>();
        var full = System.IO.Path.GetFullPath(text, System.IO.Path.GetDirectoryName(configPath)!);
        if (!File.Exists(full))
        {
            throw new FormatException($"\"backends.{key}.caCertificate\": the PEM file '{full}' does not exist");
        }

        return full;
    }

    public static int? ParseMaxConcurrency(JsonObject entry, string key)
    {
        if (entry["maxConcurrency"] is not JsonNode node)
        {
            return null;
        }

        var value = node.GetValue<int>();
        if (value is < 1 or > 1024)
        {
            throw new FormatException($"\"backends.{key}.maxConcurrency\": {value} is outside 1-1024");
        }

        return value;
    }

    /// <summary>The secret that supplies the key, if one wins: a session's -ApiKeySecret beats the environment's key;
    /// the environment's key beats the config file's apiKeySecret.</summary>
    public static ConfigSetting<string?>? PickSecret(ConfigSetting<string?> apiKey, string? sessionSecret, string? fileSecret)
    {
        if (sessionSecret is not null)
        {
            return new(sessionSecret, ConfigSource.Session);
        }

        if (fileSecret is not null && apiKey.Source is not (ConfigSource.Parameter or ConfigSource.Session or ConfigSource.Environment))
        {
            return new(fileSecret, ConfigSource.ConfigFile);
        }

        return null;
    }

    /// <summary>The mode's name in config keys and messages ("openai" in backends.openai.apiKeySecret).</summary>
    public static string ConfigKey(BackendMode mode) => ModeNames.ToEnvironmentName(mode);
}
