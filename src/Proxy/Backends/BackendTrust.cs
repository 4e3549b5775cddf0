using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AnyClaude.Proxy.Backends;

/// <summary>
/// Extra trust for one backend's HTTPS: the certificates of a PEM file (a team's own CA, or a self-signed server
/// certificate) are accepted as roots for that backend only, in addition to the system's. The host name is
/// always checked and verification is never switched off.
/// </summary>
internal static class BackendTrust
{
    /// <summary>The certificates of a PEM file; ArgumentException naming the file when it cannot be used.</summary>
    public static X509Certificate2Collection Load(string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"CaCertificate '{path}' cannot be read as PEM certificates: {e.Message}", nameof(path), e);
        }
        if (certificates.Count == 0)
            throw new ArgumentException($"CaCertificate '{path}' holds no certificate (expected -----BEGIN CERTIFICATE----- blocks).", nameof(path));
        return certificates;
    }

    /// <summary>Accepts what the system trusts, or a chain that ends in one of <paramref name="roots"/>; never a
    /// name mismatch or a missing certificate.</summary>
    public static RemoteCertificateValidationCallback Validator(X509Certificate2Collection roots) => (_, certificate, _, errors) =>
    {
        if (errors == SslPolicyErrors.None) return true;
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    };

    /// <summary>True when a backend call failed in the TLS handshake because the certificate was refused.</summary>
    public static bool IsCertificateFailure(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is AuthenticationException) return true;
        return false;
    }

    /// <summary>The handshake's own reason, e.g. "… errors in the certificate chain: UntrustedRoot".</summary>
    public static string Reason(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is AuthenticationException a) return a.Message;
        return e.Message;
    }
}
