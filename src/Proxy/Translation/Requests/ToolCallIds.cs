using System.Security.Cryptography;
using System.Text;

namespace AnyClaude.Proxy.Translation;

/// <summary>
/// Claude Code's tool-use ids ("toolu_01…", 30 characters) become 9-character alphanumeric ids in chat history.
/// Mistral Small 3.x / Devstral / Ministral chat templates raise "Tool call IDs should be alphanumeric strings
/// with length 9!" on anything else; other templates ignore or merely print the id, so every chat backend
/// gets the short form. The id is a hash of the original, so a call and its result get the same id in every
/// turn (the prompt stays a prefix of the next one); a collision within one conversation is resolved by
/// rehashing, decided in message order, so it resolves the same way every turn.
/// </summary>
internal sealed class ToolCallIds
{
    public const int Length = 9;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private readonly Dictionary<string, string> _byOriginal = new(StringComparer.Ordinal);
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly Func<string, int, string> _hash;

    public ToolCallIds() : this(Hash) { }

    /// <summary>Tests pass a hash that collides on purpose.</summary>
    internal ToolCallIds(Func<string, int, string> hash) => _hash = hash;

    /// <summary>The short id for an original id; the same original always gets the same short id.</summary>
    public string For(string original)
    {
        if (_byOriginal.TryGetValue(original, out var known))
            return known;
        var id = _hash(original, 0);
        for (var attempt = 1; !_taken.Add(id); attempt++)
            id = _hash(original, attempt);
        _byOriginal[original] = id;
        return id;
    }

    /// <summary>9 base-62 digits of SHA-256(original, attempt): 62^9 ≈ 1.4e16 values.</summary>
    internal static string Hash(string original, int attempt)
    {
        var input = attempt == 0 ? original : $"{original}#{attempt}";
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(input), digest);
        var value = BitConverter.ToUInt64(digest[..8]);
        Span<char> id = stackalloc char[Length];
        for (var i = 0; i < Length; i++)
        {
            id[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }
        return new string(id);
    }
}
