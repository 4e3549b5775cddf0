using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Cmdlets;

/// <summary>Builds <see cref="ModeInfo"/> from the resolved configuration, overlaid with a running proxy's
/// settings (source Proxy where the proxy's value differs from the configuration).</summary>
internal static class ModeInfoFactory
{
    public static IEnumerable<ModeInfo> Build(EffectiveConfiguration config, ProxyServer? proxy)
    {
        var active = proxy?.Mode ?? config.Mode.Value;
        var activeSource = proxy is not null && proxy.Mode != config.Mode.Value ? ConfigSource.Proxy : config.Mode.Source;
        foreach (var resolved in config.Backends.Values.OrderBy(b => b.Mode))
        {
            var running = proxy?.GetBackend(resolved.Mode);
            yield return new ModeInfo
            {
                Mode = resolved.Mode.ToString(),
                Name = ModeNames.ToEnvironmentName(resolved.Mode),
                IsActive = resolved.Mode == active,
                ModeSource = resolved.Mode == active ? activeSource : null,
                BaseUrl = running?.BaseUrl ?? resolved.BaseUrl.Value,
                BaseUrlSource = running is null ? resolved.BaseUrl.Source : Source(running.BaseUrl, resolved.BaseUrl),
                Model = running is null ? resolved.Model.Value : running.Model,
                ModelSource = running is null ? resolved.Model.Source : Source(running.Model, resolved.Model),
                ToolCalls = (ToolCallSetting)(running?.ToolCalls ?? resolved.ToolCalls.Value),
                ToolCallsSource = running is null ? resolved.ToolCalls.Source : Source(running.ToolCalls, resolved.ToolCalls),
                BackgroundRequests = (running?.BackgroundRequests ?? resolved.BackgroundRequests?.Value ?? BackgroundPolicy.DefaultFor(resolved.Mode)).ToString(),
                SubAgentRequests = (running?.SubAgentRequests ?? resolved.SubAgentRequests ?? SubAgentPolicy.Forward).ToString(),
                ToolHistory = (ToolHistorySetting)(running?.ToolHistory ?? resolved.ToolHistory.Value),
                ToolHistorySource = running is null ? resolved.ToolHistory.Source : Source(running.ToolHistory, resolved.ToolHistory),
                StallTimeout = running is null ? resolved.StallTimeout : running.StallTimeout,
                HasApiKey = (running is null ? resolved.ApiKey.Value : running.ApiKey) is not null,
                ApiKeySource = running is null ? resolved.ApiKey.Source : Source(running.ApiKey, resolved.ApiKey),
                ConfigFile = config.ConfigFilePath,
            };
        }
    }

    private static ConfigSource Source<T>(T? running, ConfigSetting<T> resolved) =>
        running is null && resolved.Value is null ? resolved.Source
        : EqualityComparer<T>.Default.Equals(running, resolved.Value) ? resolved.Source
        : ConfigSource.Proxy;
}
