using System.Reflection;
using AnyClaude.Proxy.Tests.Backends;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Hosting;
using Xunit;

namespace AnyClaude.Proxy.Tests.Control;

/// <summary>Issue 19: every mode setting goes through the control plane both ways (Set-AnyClaudeMode from another
/// window sends it, Get-AnyClaude and Set-AnyClaudeMode read it back), written, read and validated in one place.
/// stallTimeout was missing from all three copies of the format. A setting added to BackendSettings fails
/// <see cref="Every_setting_is_carried_or_left_out_for_a_stated_reason"/> until the schema carries it.</summary>
public sealed class ControlSchemaTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"anyclaude-schema-{Guid.NewGuid():N}");

    public ControlSchemaTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>What a mode switch from another window does not carry, and why.</summary>
    private static readonly Dictionary<string, string> s_notSent = new()
    {
        [nameof(BackendSettings.CaCertificate)] = "a proxy trusts the certificates its own configuration names, not a path another process gives",
        [nameof(BackendSettings.Headers)] = "extra headers are configured in the proxy's own process (they may hold credentials)",
    };

    /// <summary>What the status does not report, and why.</summary>
    private static readonly Dictionary<string, string> s_notReported = new()
    {
        [nameof(BackendSettings.ApiKey)] = "keys are never reported (status says hasApiKey)",
        [nameof(BackendSettings.Headers)] = "extra headers may hold credentials",
    };

    private static IEnumerable<PropertyInfo> Settings() =>
        typeof(BackendSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null && p.Name != "EqualityContract");

    [Fact]
    public void Every_setting_is_carried_or_left_out_for_a_stated_reason()
    {
        // Every settable property differs between Default and Everything(): the round trips below then prove each one travels.
        var defaults = BackendSettings.Default(BackendMode.OpenAICompatible);
        var everything = Everything(TestCertificates.WritePem(TestCertificates.SelfSigned("127.0.0.1"), _dir));
        foreach (var p in Settings().Where(p => p.Name != nameof(BackendSettings.Mode) && p.Name != nameof(BackendSettings.Headers)))
            Assert.False(Equals(p.GetValue(defaults), p.GetValue(everything)), $"{p.Name}: the test's settings must differ from the defaults");
        Assert.All(s_notSent.Keys.Concat(s_notReported.Keys), name => Assert.Contains(Settings(), p => p.Name == name));
    }

    [Fact]
    public async Task Every_setting_sent_by_the_control_client_reaches_the_proxy()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var client = ClientOf(proxy);
        var sent = Everything(caCertificate: null);

        await client.SetModeAsync(sent.Mode, sent);

        Assert.Equal(sent.Mode, proxy.Mode);
        AssertSame(sent, proxy.GetBackend(sent.Mode), s_notSent);
    }

    [Fact]
    public async Task Every_setting_a_proxy_holds_is_reported_back_by_its_status()
    {
        var held = Everything(TestCertificates.WritePem(TestCertificates.SelfSigned("127.0.0.1"), _dir));
        await using var proxy = ProxyServer.Start(new ProxyOptions
        {
            Mode = held.Mode,
            Backends = new Dictionary<BackendMode, BackendSettings> { [held.Mode] = held },
        });

        var status = await ClientOf(proxy).GetStatusAsync();

        Assert.Equal(held.Mode, status.Mode);
        var reported = status.Backends.Single(b => b.Mode == held.Mode);
        AssertSame(held, reported, s_notReported);
        Assert.Null(reported.ApiKey);
    }

    [Fact]
    public async Task A_setting_cleared_by_the_client_is_cleared_at_the_proxy()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var client = ClientOf(proxy);
        var sent = Everything(caCertificate: null);
        await client.SetModeAsync(sent.Mode, sent);

        var cleared = sent with { Model = null, ContextWindow = null, MaxConcurrency = 0, StallTimeout = null, BackgroundRequests = null };
        await client.SetModeAsync(cleared.Mode, cleared);

        AssertSame(cleared, proxy.GetBackend(cleared.Mode), s_notSent);
        Assert.Equal("team-key", proxy.GetBackend(cleared.Mode).ApiKey); // no key given, same URL: the proxy keeps its key
    }

    /// <summary>A mode's settings with every setting the schema knows set to something other than its default.</summary>
    private static BackendSettings Everything(string? caCertificate) => BackendSettings.Default(BackendMode.OpenAICompatible) with
    {
        BaseUrl = new Uri("https://team-gpu.example:8443/v1"),
        Model = "qwen3-coder-30b",
        ApiKey = "team-key",
        ToolCalls = ToolCallMode.Off,
        ToolHistory = ToolHistoryMode.Text,
        ContextWindow = 131072,
        ContextPolicy = ContextPolicyMode.Refuse,
        MaxConcurrency = 8,
        CaCertificate = caCertificate,
        StallTimeout = TimeSpan.FromSeconds(90),
        BackgroundRequests = new BackgroundPolicy(BackgroundAction.Route, BackendMode.MlxLm, "qwen3-0.6b"),
        SubAgentRequests = new SubAgentPolicy(BackendMode.MlxLm, "qwen3-0.6b"),
    };

    private static void AssertSame(BackendSettings expected, BackendSettings actual, Dictionary<string, string> leftOut)
    {
        foreach (var p in Settings())
        {
            if (leftOut.ContainsKey(p.Name)) continue;
            if (p.Name == nameof(BackendSettings.CaCertificate) && expected.CaCertificate is null) continue;
            Assert.True(Equals(p.GetValue(expected), p.GetValue(actual)), $"{p.Name}: sent {p.GetValue(expected) ?? "null"}, got {p.GetValue(actual) ?? "null"}");
        }
    }

    private static ProxyControlClient ClientOf(ProxyServer proxy) =>
        new(new ProxyState(Environment.ProcessId, proxy.Port, proxy.ControlToken, proxy.BaseUrl, proxy.StartedAt));
}
