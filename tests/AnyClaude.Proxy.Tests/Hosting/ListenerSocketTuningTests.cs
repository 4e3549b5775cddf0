using System.Net;
using System.Net.Sockets;
using System.Reflection;
using AnyClaude.Proxy.Hosting;
using Xunit;

namespace AnyClaude.Proxy.Tests.Hosting;

public sealed class ListenerSocketTuningTests
{
    [Fact]
    public async Task Nagle_is_turned_off_on_the_managed_listeners_client_socket()
    {
        if (OperatingSystem.IsWindows()) return; // http.sys: no managed socket to tune
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

        context.Response.Close();
        using var response = await request.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
