using System.Globalization;
using AnyClaude.Cmdlets.Session;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>What cmdlet parameters say; null members were not given. Model and BaseUrl apply to the chosen mode.</summary>
internal sealed record ConfigParameters(string? Mode = null, int? Port = null, string? Model = null, Uri? BaseUrl = null, ToolCallSetting? ToolCalls = null, ToolHistorySetting? ToolHistory = null);

/// <summary>
/// Precedence: parameter &gt; this session's Set-AnyClaudeMode &gt; environment &gt; user config file &gt; default.
/// Throws <see cref="ConfigurationException"/> for values that cannot be used.
/// </summary>
internal static class ConfigResolver
{
    public static EffectiveConfiguration Resolve(ConfigParameters? parameters = null)
    {
        parameters ??= new ConfigParameters();
        var file = UserConfigFile.Read();

        var mode = ResolveMode(parameters.Mode, file);
        var port = ResolvePort(parameters.Port, file);

        var backends = new Dictionary<BackendMode, EffectiveBackend>();
        foreach (var each in Enum.GetValues<BackendMode>())
        {
            var forThisMode = each == mode.Value ? parameters : null;
            backends[each] = ResolveBackend(each, forThisMode, file.Backends.GetValueOrDefault(each));
        }

        return new EffectiveConfiguration(mode, port, backends, UserConfigFile.Path)
        {
            Prewarm = file.Prewarm is { } prewarm ? new(prewarm, ConfigSource.ConfigFile) : new(false, ConfigSource.Default),
            WarmStart = file.WarmStart is { } warmStart ? new(warmStart, ConfigSource.ConfigFile) : new(true, ConfigSource.Default),
        };
    }

    /// <summary>Parses a mode name or alias, or explains which names are valid.</summary>
    public static BackendMode ParseMode(string text, string where)
    {
        if (ModeNames.TryParse(text, out var mode))
        {
            return mode;
        }

        if (Enum.TryParse(text, ignoreCase: true, out mode) && Enum.IsDefined(mode))
        {
            return mode;
        }

        throw new ConfigurationException(
            $"{where}: '{text}' is not a mode. Valid modes: {string.Join(", ", Enum.GetNames<BackendMode>())} (also: {string.Join(", ", ModeNames.All)}).",
            text);
    }

    private static ConfigSetting<BackendMode> ResolveMode(string? parameter, UserConfig file)
    {
        if (parameter is not null)
        {
            return new(ParseMode(parameter, "-Mode"), ConfigSource.Parameter);
        }

        var env = EnvironmentNames.Read(EnvironmentNames.Mode);
        if (env is not null)
        {
            return new(ParseMode(env, EnvironmentNames.Mode), ConfigSource.Environment);
        }

        return file.Mode is { } fromFile
            ? new(fromFile, ConfigSource.ConfigFile)
            : new(new ProxyOptions().Mode, ConfigSource.Default);
    }

    private static ConfigSetting<int> ResolvePort(int? parameter, UserConfig file)
    {
        if (parameter is { } p)
        {
            return new(p, ConfigSource.Parameter);
        }

        var env = EnvironmentNames.Read(EnvironmentNames.Port);
        if (env is not null)
        {
            if (!int.TryParse(env, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            {
                throw new ConfigurationException($"{EnvironmentNames.Port}: '{env}' is not a port number (0-65535; 0 picks a free port).", EnvironmentNames.Port);
            }

            return new(port, ConfigSource.Environment);
        }

        return file.Port is { } fromFile ? new(fromFile, ConfigSource.ConfigFile) : new(0, ConfigSource.Default);
    }

    private static EffectiveBackend ResolveBackend(BackendMode mode, ConfigParameters? parameters, UserBackendEntry? file)
    {
        var defaults = BackendSettings.Default(mode);
        var session = SessionDefaults.Get(mode);
        var env = EnvironmentNames.ForBackend(mode);

        var envUrl = env is { } e1 ? EnvironmentNames.Read(e1.Url) : null;
        var baseUrl = Pick(
            parameters?.BaseUrl is { } pu ? BackendUrls.NormalizeBaseUrl(pu, mode) : null,
            session?.BaseUrl,
            envUrl is null ? null : BaseUrlSetting.Parse(envUrl, mode, env!.Value.Url),
            file?.BaseUrl,
            defaults.BaseUrl)!;

        var model = Pick(
            parameters?.Model,
            session?.Model,
            env is { } e2 ? EnvironmentNames.Read(e2.Model) : null,
            file?.Model,
            defaults.Model);

        // Claude mode: the user's own key goes to the proxy for the pass-through, never to claude.
        var envKey = env is { } e3 ? EnvironmentNames.Read(e3.ApiKey)
            : mode == BackendMode.Claude ? EnvironmentNames.Read(EnvironmentNames.AnthropicApiKey) : null;
        var apiKey = Pick<string?>(null, null, envKey, file?.ApiKey, defaults.ApiKey);

        var toolCalls = Pick<ToolCallMode?>(
            parameters?.ToolCalls is { } pt ? (ToolCallMode)pt : null,
            session?.ToolCalls,
            null,
            file?.ToolCalls,
            defaults.ToolCalls);

        var background = Pick<BackgroundPolicy?>(null, session?.BackgroundRequests, null, file?.BackgroundRequests, null);

        var toolHistory = Pick<ToolHistoryMode?>(
            parameters?.ToolHistory is { } ph ? (ToolHistoryMode)ph : null,
            session?.ToolHistory,
            null,
            file?.ToolHistory,
            defaults.ToolHistory);

        return new EffectiveBackend(mode, baseUrl, model, apiKey, new(toolCalls.Value ?? defaults.ToolCalls, toolCalls.Source), background,
            session?.StallTimeout ?? file?.StallTimeout)
        {
            ApiKeySecret = RemoteBackendKeys.PickSecret(apiKey, session?.ApiKeySecret, file?.ApiKeySecret),
            CaCertificate = session?.CaCertificate ?? file?.CaCertificate,
            MaxConcurrency = session?.MaxConcurrency ?? file?.MaxConcurrency,
            ContextWindow = session?.ContextWindow ?? file?.ContextWindow,
            ContextPolicy = session?.ContextPolicy ?? file?.ContextPolicy,
            SubAgentRequests = session?.SubAgentRequests ?? file?.SubAgentRequests,
            ToolHistory = new(toolHistory.Value ?? defaults.ToolHistory, toolHistory.Source),
        };
    }

    private static ConfigSetting<T> Pick<T>(T? parameter, T? session, T? environment, T? file, T fallback)
    {
        if (parameter is not null) return new(parameter, ConfigSource.Parameter);
        if (session is not null) return new(session, ConfigSource.Session);
        if (environment is not null) return new(environment, ConfigSource.Environment);
        if (file is not null) return new(file, ConfigSource.ConfigFile);
        return new(fallback, ConfigSource.Default);
    }
}
