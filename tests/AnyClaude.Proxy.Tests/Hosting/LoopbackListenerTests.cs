using System.Net;
using System.Net.Sockets;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using Xunit;

namespace AnyClaude.Proxy.Tests.Hosting;

/// <summary>
/// The listener's platform choice. http.sys (Windows) is modelled by a registration function that fails the way
/// http.sys does (HttpListenerException with its Win32 error code), so the Windows path runs here on Linux.
/// </summary>
public sealed class LoopbackListenerTests
{
    private const int ErrorAccessDenied = 5, ErrorSharingViolation = 32, ErrorAlreadyExists = 183;

    [Fact]
    public void The_managed_listener_registers_both_loopback_names_and_gives_clients_127_0_0_1()
    {
        var plan = Assert.Single(LoopbackListener.Plan(httpSys: false));
        Assert.Equal(["127.0.0.1", "localhost"], plan.Hosts);
        Assert.Equal("127.0.0.1", plan.ClientHost);
    }

    [Fact]
    public void Http_sys_falls_back_to_the_localhost_prefix_that_standard_users_may_always_register()
    {
        var plan = LoopbackListener.Plan(httpSys: true);
        Assert.Equal(2, plan.Count);
        Assert.Equal(["127.0.0.1", "localhost"], plan[0].Hosts);
        Assert.Equal("127.0.0.1", plan[0].ClientHost);
        Assert.Equal(["localhost"], plan[1].Hosts);
        Assert.Equal("localhost", plan[1].ClientHost); // http.sys routes by Host: 127.0.0.1 would get 400 Invalid Hostname
    }

    [Theory]
    [InlineData(true, ErrorAccessDenied, "AccessDenied")]
    [InlineData(true, ErrorSharingViolation, "InUse")]
    [InlineData(true, ErrorAlreadyExists, "InUse")]
    [InlineData(true, 98, "Other")]
    [InlineData(true, 13, "Other")]
    [InlineData(false, 98, "InUse")]
    [InlineData(false, 48, "InUse")]
    [InlineData(false, 10048, "InUse")]
    [InlineData(false, 13, "AccessDenied")]
    [InlineData(false, 10013, "AccessDenied")]
    [InlineData(false, 400, "InUse")]
    [InlineData(false, ErrorAccessDenied, "Other")]
    public void Errors_are_read_by_the_rules_of_the_listener_that_raised_them(bool httpSys, int code, string expected) =>
        Assert.Equal(Enum.Parse<BindFailure>(expected), LoopbackListener.Classify(new HttpListenerException(code), httpSys));

    [Fact]
    public void Socket_errors_are_classified_by_their_socket_error()
    {
        Assert.Equal(BindFailure.InUse, LoopbackListener.Classify(new SocketException((int)SocketError.AddressAlreadyInUse), httpSys: false));
        Assert.Equal(BindFailure.AccessDenied, LoopbackListener.Classify(new SocketException((int)SocketError.AccessDenied), httpSys: false));
    }

    [Fact]
    public void A_standard_user_on_old_Windows_gets_the_localhost_prefix_and_a_matching_base_url()
    {
        var registered = new List<string[]>();
        var (listener, port, host) = LoopbackListener.Bind(8123, LoopbackListener.Plan(httpSys: true), prefixes =>
        {
            registered.Add([.. prefixes]);
            if (prefixes.Any(p => p.Contains("127.0.0.1"))) throw new HttpListenerException(ErrorAccessDenied);
            return "listener";
        }, () => throw new InvalidOperationException("no free port needed"), httpSys: true);

        Assert.Equal("listener", listener);
        Assert.Equal(8123, port);
        Assert.Equal("localhost", host);
        Assert.Equal(new LoopbackBinding(null!, port, host).BaseUrl, new Uri("http://localhost:8123"));
        Assert.Equal([["http://127.0.0.1:8123/", "http://localhost:8123/"], ["http://localhost:8123/"]], registered);
    }

    [Fact]
    public void Windows_10_and_11_keep_127_0_0_1()
    {
        var (_, port, host) = LoopbackListener.Bind(8124, LoopbackListener.Plan(httpSys: true), _ => "listener", () => 0, httpSys: true);
        Assert.Equal((8124, "127.0.0.1"), (port, host));
    }

    [Fact]
    public void A_reserved_port_is_reported_as_access_denied_never_as_a_port_in_use()
    {
        var e = Assert.Throws<ProxyStartException>(() => LoopbackListener.Bind<string>(8125, LoopbackListener.Plan(httpSys: true),
            _ => throw new HttpListenerException(ErrorAccessDenied), () => 0, httpSys: true));

        Assert.Equal(ProxyStartFailure.AccessDenied, e.Reason);
        Assert.Contains("8125", e.Message);
        Assert.Contains("netsh http show urlacl", e.Message);
        Assert.DoesNotContain("already in use", e.Message);
        Assert.IsType<HttpListenerException>(e.InnerException);
    }

    [Fact]
    public void A_port_held_by_another_program_is_in_use_and_no_narrower_registration_is_tried()
    {
        var calls = 0;
        var e = Assert.Throws<ProxyStartException>(() => LoopbackListener.Bind<string>(8126, LoopbackListener.Plan(httpSys: true),
            _ => { calls++; throw new HttpListenerException(ErrorSharingViolation); }, () => 0, httpSys: true));
        Assert.Equal(ProxyStartFailure.PortInUse, e.Reason);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Port_0_moves_on_from_a_reserved_free_port()
    {
        var free = new Queue<int>([9001, 9002]);
        var (_, port, host) = LoopbackListener.Bind(0, LoopbackListener.Plan(httpSys: true), prefixes =>
            prefixes.Any(p => p.Contains(":9001/")) ? throw new HttpListenerException(ErrorAccessDenied) : "listener",
            free.Dequeue, httpSys: true);
        Assert.Equal((9002, "127.0.0.1"), (port, host));
    }

    [Fact]
    public void Port_0_moves_on_from_a_free_port_taken_in_between()
    {
        var free = new Queue<int>([9011, 9012]);
        var (_, port, _) = LoopbackListener.Bind(0, LoopbackListener.Plan(httpSys: false), prefixes =>
            prefixes.Any(p => p.Contains(":9011/")) ? throw new HttpListenerException(98) : "listener",
            free.Dequeue, httpSys: false);
        Assert.Equal(9012, port);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void An_invalid_port_is_an_invalid_option(int port)
    {
        var e = Assert.Throws<ProxyStartException>(() => LoopbackListener.Bind<string>(port, LoopbackListener.Plan(false), _ => "x", () => 0, false));
        Assert.Equal(ProxyStartFailure.InvalidOptions, e.Reason);
    }

    [Fact]
    public async Task A_real_port_in_use_is_reported_as_in_use()
    {
        // Taken by a listener of this process, and by a plain socket as another program would hold it.
        await using var first = ProxyServer.Start(new ProxyOptions());
        var e = Assert.Throws<ProxyStartException>(() => ProxyServer.Start(new ProxyOptions { Port = first.Port }));
        Assert.Equal(ProxyStartFailure.PortInUse, e.Reason);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        var taken = ((IPEndPoint)socket.LocalEndPoint!).Port;
        e = Assert.Throws<ProxyStartException>(() => ProxyServer.Start(new ProxyOptions { Port = taken }));
        Assert.Equal(ProxyStartFailure.PortInUse, e.Reason);
        Assert.Contains(taken.ToString(), e.Message);
    }

    [Fact]
    public async Task A_real_free_port_serves_the_base_url_it_reports_and_the_localhost_name()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions { Port = 0 });
        Assert.NotEqual(0, proxy.Port);
        Assert.Equal(LoopbackListener.UsesHttpSys ? proxy.BaseUrl.Host : "127.0.0.1", proxy.BaseUrl.Host);
        using var client = new HttpClient();
        foreach (var host in new[] { proxy.BaseUrl.Host, "localhost" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{host}:{proxy.Port}/v1/models");
            request.Headers.Add("x-api-key", proxy.Token);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}
