using System.Security.Cryptography;

namespace AnyClaude.Proxy.Security;

/// <summary>Generates the random token clients must present.</summary>
internal static class ProxyToken
{
    /// <summary>32 random bytes, base64url without padding (43 characters).</summary>
    public static string Generate()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
