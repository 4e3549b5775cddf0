using System.Collections.Specialized;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using AnyClaude.Proxy.Errors;

namespace AnyClaude.Proxy.Security;

/// <summary>Which credential a path needs. Each token opens exactly one plane.</summary>
internal enum TokenPlane
{
    /// <summary>The Anthropic API (/v1/*, GET /): the token Claude Code holds (ANTHROPIC_AUTH_TOKEN), which it
    /// hands to every process it starts (Bash tool, hooks, MCP servers).</summary>
    Data,
    /// <summary>The control endpoints (/anyclaude/…): the control token, kept only in the proxy's private state
    /// file and in the pwsh that started the proxy.</summary>
    Control,
}

/// <summary>
/// Admits only requests from loopback peers, not from browsers, carrying the token of the plane they address.
/// Browsers always send Origin on cross-site POSTs and a foreign Host after DNS rebinding, so either refuses
/// the request. Every request passes <see cref="Authorize"/> before routing, so a control route added later
/// cannot be reached with the data-plane token.
/// </summary>
internal sealed class RequestGuard(string dataToken, string controlToken)
{
    /// <summary>Every path under this prefix (any case) is control plane.</summary>
    public const string ControlPrefix = "/anyclaude";

    private readonly byte[] _data = Encoding.UTF8.GetBytes(dataToken);
    private readonly byte[] _control = Encoding.UTF8.GetBytes(controlToken);

    public static TokenPlane PlaneOf(string path) =>
        path.StartsWith(ControlPrefix, StringComparison.OrdinalIgnoreCase) ? TokenPlane.Control : TokenPlane.Data;

    /// <summary>403 unless the connection comes from a loopback address. The Host header alone is not enough:
    /// on Windows http.sys may accept on more addresses than the prefix names.</summary>
    public static ApiException? CheckPeer(IPEndPoint? remote)
    {
        if (remote is not null && IsLoopbackPeer(remote.Address)) return null;
        return new ApiException(403, "permission_error", "Connections are accepted only from this machine's loopback addresses.");
    }

    internal static bool IsLoopbackPeer(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return IPAddress.IsLoopback(address);
    }

    /// <summary>403 when the request looks like it came from a browser or a non-loopback name.</summary>
    public static ApiException? CheckOrigin(NameValueCollection headers)
    {
        if (headers["Origin"] is not null)
            return new ApiException(403, "permission_error", "Requests with an Origin header are refused: this proxy serves local programs, not web pages.");
        if (!IsLoopbackHost(headers["Host"]))
            return new ApiException(403, "permission_error", "The Host header must name a loopback address (127.0.0.1, localhost or [::1]).");
        return null;
    }

    /// <summary>401 unless x-api-key or Authorization: Bearer carries the token of the path's plane; 403 when it
    /// carries the other plane's token.</summary>
    public ApiException? Authorize(string path, NameValueCollection headers)
    {
        var plane = PlaneOf(path);
        var presented = Presented(headers);
        if (presented is null)
        {
            return plane == TokenPlane.Data
                ? new ApiException(401, "authentication_error", "Missing proxy token: send it as x-api-key or Authorization: Bearer (Start-AnyClaude sets ANTHROPIC_AUTH_TOKEN for you).")
                : new ApiException(401, "authentication_error", "Missing control token: the control endpoints take the token from the proxy's state file (Get-AnyClaude -All and Set-AnyClaudeMode use it).");
        }
        var (own, other) = plane == TokenPlane.Data ? (_data, _control) : (_control, _data);
        if (Matches(presented, own)) return null;
        if (Matches(presented, other))
        {
            return plane == TokenPlane.Data
                ? new ApiException(403, "permission_error", "The control token does not open the Anthropic API; use the proxy token (ANTHROPIC_AUTH_TOKEN).")
                : new ApiException(403, "permission_error", "The proxy token opens the Anthropic API (/v1/*) only; the control endpoints need the control token from the proxy's state file.");
        }
        return new ApiException(401, "authentication_error", plane == TokenPlane.Data ? "Invalid proxy token." : "Invalid control token.");
    }

    private static string? Presented(NameValueCollection headers)
    {
        var presented = headers["x-api-key"];
        if (presented is not null) return presented;
        var auth = headers["Authorization"];
        return auth is not null && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth.Substring(7).Trim() : null;
    }

    private static bool Matches(string presented, byte[] expected)
    {
        var max = Encoding.UTF8.GetMaxByteCount(presented.Length);
        var buffer = max <= 256 ? stackalloc byte[max] : new byte[max];
        var n = Encoding.UTF8.GetBytes(presented, buffer);
        // FixedTimeEquals is constant-time for equal lengths; a length mismatch reveals only the length.
        return CryptographicOperations.FixedTimeEquals(buffer[..n], expected);
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
