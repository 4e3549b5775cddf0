using System.Collections.Specialized;
using System.Security.Cryptography;
using System.Text;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Proxy.Security;

/// <summary>
/// Admits only loopback, non-browser requests carrying the proxy token. Browsers always send Origin
/// on cross-site POSTs and a foreign Host after DNS rebinding, so either refuses the request.
/// </summary>
internal sealed class RequestGuard(string token)
{
    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);

    /// <summary>403 when the request looks like it came from a browser or a non-loopback name.</summary>
    public static ApiException? CheckOrigin(NameValueCollection headers)
    {
        if (headers["Origin"] is not null)
            return new ApiException(403, "permission_error", "Requests with an Origin header are refused: this proxy serves local programs, not web pages.");
        if (!IsLoopbackHost(headers["Host"]))
            return new ApiException(403, "permission_error", "The Host header must name a loopback address (127.0.0.1, localhost or [::1]).");
        return null;
    }

    /// <summary>401 unless x-api-key or Authorization: Bearer carries the token.</summary>
    public ApiException? CheckToken(NameValueCollection headers)
    {
        var presented = headers["x-api-key"];
        if (presented is null)
        {
            var auth = headers["Authorization"];
            if (auth is not null && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                presented = auth.Substring(7).Trim();
        }
        if (presented is null)
            return new ApiException(401, "authentication_error", "Missing proxy token: send it as x-api-key or Authorization: Bearer (Start-AnyClaude sets ANTHROPIC_AUTH_TOKEN for you).");
        if (!Matches(presented))
            return new ApiException(401, "authentication_error", "Invalid proxy token.");
        return null;
    }

    private bool Matches(string presented)
    {
        var max = Encoding.UTF8.GetMaxByteCount(presented.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= 256 ? stackalloc byte[max] : (rented = new byte[max]);
        var n = Encoding.UTF8.GetBytes(presented, buffer);
        // FixedTimeEquals is constant-time for equal lengths; a length mismatch reveals only the length.
        return CryptographicOperations.FixedTimeEquals(buffer[..n], _token);
    }

    internal static bool IsLoopbackHost(string? host)
    {
        if (string.IsNullOrEmpty(host)) return false;
        ReadOnlySpan<char> name = host;
        if (name.StartsWith("["))
        {
            var close = name.IndexOf(']');
            if (close < 0) return false;
            var rest = name[(close + 1)..];
            if (!rest.IsEmpty && !IsPortSuffix(rest)) return false;
            return name[..(close + 1)].Equals("[::1]", StringComparison.Ordinal);
        }
        var colon = name.IndexOf(':');
        if (colon >= 0)
        {
            if (!IsPortSuffix(name[colon..])) return false;
            name = name[..colon];
        }
        return name.Equals("127.0.0.1", StringComparison.Ordinal)
            || name.Equals("localhost", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsPortSuffix(ReadOnlySpan<char> s)
    {
        if (s.Length < 2 || s[0] != ':') return false;
        foreach (var c in s[1..]) if (c is < '0' or > '9') return false;
        return true;
    }
}
