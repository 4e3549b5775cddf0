using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>One mode's effective settings, each with its source. The API key is kept for the proxy only.</summary>
internal sealed record EffectiveBackend(
    BackendMode Mode,
    ConfigSetting<Uri> BaseUrl,
    ConfigSetting<string?> Model,
    ConfigSetting<string?> ApiKey,
    ConfigSetting<ToolCallMode> ToolCalls,
    TimeSpan? StallTimeout = null)
{
    public BackendSettings ToSettings() => BackendSettings.Default(Mode) with
    {
        BaseUrl = BaseUrl.Value,
        Model = Model.Value,
        ApiKey = ApiKey.Value,
        ToolCalls = ToolCalls.Value,
        StallTimeout = StallTimeout,
    };
}

/// <summary>Everything a start needs, resolved by <see cref="ConfigResolver"/>.</summary>
internal sealed record EffectiveConfiguration(
    ConfigSetting<BackendMode> Mode,
    ConfigSetting<int> Port,
    IReadOnlyDictionary<BackendMode, EffectiveBackend> Backends,
    string ConfigFilePath)
{
    public EffectiveBackend Active => Backends[Mode.Value];

    public ProxyOptions ToProxyOptions(bool publishStateFile) => new()
    {
        Port = Port.Value,
        Mode = Mode.Value,
        Backends = Backends.ToDictionary(pair => pair.Key, pair => pair.Value.ToSettings()),
        PublishStateFile = publishStateFile,
    };
}
