using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AnyClaude.Proxy.Tests.Backends;

/// <summary>
/// An HTTPS front for a plain-HTTP test backend (the faithful fake, or the Anthropic stub): terminates TLS with a
/// given certificate on 127.0.0.1 and relays the bytes both ways, as a team's reverse proxy (nginx, Caddy) in front of
/// vLLM or llama-server does.
/// </summary>
internal sealed class TlsRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TlsRelay(X509Certificate2 certificate, int targetPort)
    {
        _certificate = certificate;
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        {
            await using var tls = new SslStream(client.GetStream());
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
            }
            catch (Exception)
            {
                return; // the client refused the certificate (TLS 1.2); with TLS 1.3 it closes right after instead
            }
            using var target = new TcpClient();
            await target.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            var plain = target.GetStream();
            var up = Pump(tls, plain, () => target.Client.Shutdown(SocketShutdown.Send));
            // The backend closed (a close-delimited answer, or Connection: close): close the TLS side too, as a real
            // TLS front (nginx, a cloud load balancer) does, so the client sees the end of the body.
            var down = Pump(plain, tls, () =>
            {
                tls.ShutdownAsync().GetAwaiter().GetResult();
                client.Client.Shutdown(SocketShutdown.Send);
            });
            await Task.WhenAny(Task.WhenAll(up, down), Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { }));
        }
    }

    private async Task Pump(Stream from, Stream to, Action finished)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                await to.FlushAsync(_stop.Token);
            }
        }
        catch (Exception)
        {
        }
        try { finished(); } catch (Exception) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _loop;
    }
}

/// <summary>Test certificates: a self-signed server certificate, or a team CA and a server certificate it signed.</summary>
internal static class TestCertificates
{
    public static X509Certificate2 SelfSigned(params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = ServerRequest("CN=AnyClaude test server", key, names);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        return Reload(created);
    }

    public static (X509Certificate2 Ca, X509Certificate2 Server) CaAndServer(params string[] names)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=AnyClaude test team CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = ServerRequest("CN=AnyClaude test team server", serverKey, names);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(serverKey);
        return (LoadCertificate(ca.Export(X509ContentType.Cert)), Reload(withKey));
    }

    /// <summary>Writes the certificate (public part only) as PEM, as a team would hand it out.</summary>
    public static string WritePem(X509Certificate2 certificate, string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, certificate.ExportCertificatePem() + "\n");
        return path;
    }

    private static CertificateRequest ServerRequest(string subject, ECDsa key, string[] names)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request;
    }

    // An exportable, persisted key: SslStream on some platforms refuses ephemeral keys.
    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
#if NET9_0_OR_GREATER
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
#else
        new(certificate.Export(X509ContentType.Pkcs12), (string?)null, X509KeyStorageFlags.Exportable); // the .NET 8 run
#endif

    private static X509Certificate2 LoadCertificate(byte[] der) =>
#if NET9_0_OR_GREATER
        X509CertificateLoader.LoadCertificate(der);
#else
        new(der);
#endif
}
