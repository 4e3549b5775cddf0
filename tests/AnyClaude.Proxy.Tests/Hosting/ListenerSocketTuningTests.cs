using System.Net;
using System.Net.Sockets;
using System.Reflection;
using AnyClaude.Proxy.Hosting;
using Xunit;

namespace AnyClaude.Proxy.Tests.Hosting;

/// <summary>The reflection-based socket tuning, checked on the runtime the tests run on (net10.0, and net8.0 in
/// build.ps1's .NET 8 run: the module's target).</summary>
public sealed class ListenerSocketTuningTests
{
    [SkippableFact]
    public async Task Nagle_is_turned_off_on_the_managed_listeners_client_socket()
    {
        Skip.If(OperatingSystem.IsWindows(), "http.sys: no managed socket to tune (reported by ListenerLimitation instead)");
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        using var client = new HttpClient();
        var request = client.GetAsync($"http://127.0.0.1:{port}/");
        var context = await listener.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(30));

        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
        var connection = typeof(HttpListenerContext).GetField("_connection", Private)!.GetValue(context)!;
        var socket = (Socket)connection.GetType().GetField("_socket", Private)!.GetValue(connection)!;
        Assert.False(socket.NoDelay); // the listener's default: why the tuning exists
        ListenerSocketTuning.DisableNagle(context);
        Assert.True(socket.NoDelay);
        Assert.Same(socket, ListenerSocketTuning.TryGetSocket(context));
        Assert.False(ListenerSocketTuning.IsPeerClosed(socket));

        context.Response.Close();
        using var response = await request.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [SkippableFact]
    public async Task The_workarounds_are_available_on_this_runtime_and_nothing_is_reported()
    {
        Skip.If(OperatingSystem.IsWindows(), "http.sys: the workarounds are absent there by design");
        Assert.True(ListenerSocketTuning.IsAvailable, $"HttpListener of .NET {Environment.Version} lacks _connection._socket");
        await using var proxy = ProxyServer.Start(new Configuration.ProxyOptions());
        Assert.Null(proxy.ListenerLimitation);
    }

    [Fact]
    public void Their_absence_is_described_with_what_it_changes()
    {
        var httpSys = ListenerSocketTuning.Describe(httpSys: true, fieldsFound: false, new Version(8, 0, 31));
        Assert.Contains("http.sys", httpSys);
        Assert.Contains("Nagle", httpSys);
        Assert.Contains("hangs up", httpSys);
        var changed = ListenerSocketTuning.Describe(httpSys: false, fieldsFound: false, new Version(11, 0, 0));
        Assert.Contains(".NET 11.0.0", changed);
        Assert.Contains("_connection._socket", changed);
    }

    [Fact]
    public void The_tests_run_on_the_runtime_they_target()
    {
        // The .NET 8 run (build.ps1) must really execute on .NET 8, the runtime of pwsh 7.4.
#if NET8_0
        Assert.Equal(8, Environment.Version.Major);
#else
        Assert.True(Environment.Version.Major >= 10, $"runtime {Environment.Version}");
#endif
    }
}
