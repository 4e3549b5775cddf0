using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Cmdlets;

/// <summary>A running proxy, as Start-AnyClaude -NoLaunch and Get-AnyClaude emit it.</summary>
public sealed class ProxyInfo
{
    /// <summary>What ANTHROPIC_BASE_URL should be.</summary>
    public required Uri BaseUrl { get; init; }
    public required int Port { get; init; }
    /// <summary>The token clients send as x-api-key or Authorization: Bearer (opens /v1/* only). Empty for a proxy of
    /// another process: its data-plane token stays in that process.</summary>
    public required string Token { get; init; }
    public required string Mode { get; init; }
    /// <summary>The active backend's model; empty when the backend chooses.</summary>
    public string? Model { get; init; }
    public required Uri BackendUrl { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required bool IsRunning { get; init; }
    /// <summary>The pwsh process the proxy runs in.</summary>
    public required int ProcessId { get; init; }
    public required int Requests { get; init; }

    internal static ProxyInfo From(ProxyServer proxy) => new()
    {
        BaseUrl = proxy.BaseUrl,
        Port = proxy.Port,
        Token = proxy.Token,
        Mode = proxy.Mode.ToString(),
        Model = proxy.ActiveBackend.Model,
        BackendUrl = proxy.ActiveBackend.BaseUrl,
        StartedAt = proxy.StartedAt,
        IsRunning = proxy.IsRunning,
        ProcessId = Environment.ProcessId,
        Requests = proxy.GetRecords().Count,
    };

    /// <summary>A proxy of another process, as its control endpoint reports it.</summary>
    internal static ProxyInfo From(ProxyStatus status, int requests)
    {
        var active = status.Backends.FirstOrDefault(b => b.Mode == status.Mode);
        return new ProxyInfo
        {
            BaseUrl = status.State.BaseUrl,
            Port = status.State.Port,
            Token = "",
            Mode = status.Mode.ToString(),
            Model = active?.Model,
            BackendUrl = active?.BaseUrl ?? Proxy.Configuration.BackendSettings.Default(status.Mode).BaseUrl,
            StartedAt = status.State.StartedAt,
            IsRunning = true,
            ProcessId = status.State.ProcessId,
            Requests = requests,
        };
    }

    public override string ToString() => BaseUrl.ToString();
}
