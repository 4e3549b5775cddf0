using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Cmdlets.Session;
using AnyClaude.Diagnostics;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Diagnostics.Pipeline;

/// <summary>What a diagnostic cmdlet should test: a mode's effective settings and the proxy to go through.</summary>
internal sealed record DiagnosticTarget(BackendSettings Settings, ProxyEndpoint? Proxy);

internal static class DiagnosticTargets
{
    /// <summary>
    /// With no -BaseUrl/-Model and a proxy running in this session, the settings that proxy really uses (and the proxy
    /// itself); otherwise the configuration as Start-AnyClaude resolves it (parameter, session, environment, file,
    /// default) and a private proxy. Throws <see cref="ConfigurationException"/> for unusable values.
    /// </summary>
    public static DiagnosticTarget Resolve(string mode, Uri? baseUrl, string? model, bool useSessionProxy = true)
    {
        var parsed = ConfigResolver.ParseMode(mode, "-Mode");
        if (useSessionProxy && baseUrl is null && model is null && ProxySession.Current is { } proxy)
            return new DiagnosticTarget(proxy.GetBackend(parsed), ProxyEndpoint.For(proxy));

        var config = ConfigResolver.Resolve(new ConfigParameters(Mode: ModeNames.ToEnvironmentName(parsed), BaseUrl: baseUrl, Model: model));
        return new DiagnosticTarget(config.Backends[parsed].ToSettings(), null);
    }
}
