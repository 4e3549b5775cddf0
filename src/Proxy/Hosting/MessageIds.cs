using System.Security.Cryptography;

namespace AnyClaude.Proxy.Hosting;

internal static class MessageIds
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>msg_ followed by 24 random alphanumerics, like Anthropic's ids.</summary>
    public static string New() => "msg_" + RandomNumberGenerator.GetString(Alphabet, 24);

    /// <summary>req_… for request records.</summary>
    public static string NewRequestId() => "req_" + RandomNumberGenerator.GetString(Alphabet, 20);
}
