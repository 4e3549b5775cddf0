using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Security;

namespace AnyClaude.Proxy.WarmStart;

/// <summary>What a remembered session head is for: one project folder, mode, model and Claude Code version (the system
/// prompt and tools are byte-identical across sessions with the same four; docs/claude-code-footprint.md).</summary>
public sealed record WarmStartKey(string ProjectFolder, BackendMode Mode, string? Model, string ClaudeCodeVersion)
{
    /// <summary>The file name's stem: a hash of the four, so the folder's path is not spelled in a file name.</summary>
    public string FileStem
    {
        get
        {
            var text = string.Join('\u0000', ProjectFolder, ModeNames.ToEnvironmentName(Mode), Model ?? "", ClaudeCodeVersion);
            return "head-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16].ToLowerInvariant();
        }
    }
}

/// <summary>A remembered session: the last main turn's Claude Code request (redacted as traces are), and whether it is
/// whole (a --continue/--resume can be warmed with it) or only its head was kept (too big).</summary>
public sealed record WarmStartEntry(WarmStartKey Key, DateTimeOffset SavedAt, string? SessionId, byte[] Body, bool Resumable)
{
    /// <summary>The stable head of any next session: the system prompt and tools, and the first user message without its last
    /// text block (the user's own words; the reminders before it stay). max_tokens 1, not streamed, no thinking.</summary>
    public byte[] Head() => WarmStartStore.HeadOf(Body);
}

/// <summary>
/// Remembers, per <see cref="WarmStartKey"/>, the last main turn of the last session, in the user's private state folder
/// (<c>&lt;state&gt;/warm/head-&lt;hash&gt;.json</c>: folder 0700, files 0600), with the same redaction as traces.
/// Bounded: a body over <see cref="MaxBodyBytes"/> keeps only its head; at most <see cref="MaxEntries"/> files (the
/// least recently saved go first). <see cref="Forget"/> (Stop-AnyClaude -Forget) deletes them all.
/// </summary>
public static class WarmStartStore
{
    public const int MaxEntries = 32;
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    public static string Directory => Path.Combine(ProxyStateFile.Directory, "warm");

    public static string PathOf(WarmStartKey key) => Path.Combine(Directory, key.FileStem + ".json");

    /// <summary>Saves a main turn's body for key (secrets: literal values to mask, as the trace's). Returns the file.</summary>
    public static string Save(WarmStartKey key, ReadOnlySpan<byte> mainBody, string? sessionId, IEnumerable<string?> secrets, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var resumable = mainBody.Length <= MaxBodyBytes;
        var body = resumable ? mainBody.ToArray() : HeadOf(mainBody);
        var redacted = SecretRedactor.Redact(body, secrets);
        PrivateFiles.CreateDirectory(ProxyStateFile.Directory);
        PrivateFiles.CreateDirectory(Directory);
        var path = PathOf(key);
        var temp = path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        using (var stream = PrivateFiles.Create(temp))
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteString("projectFolder", key.ProjectFolder);
            w.WriteString("mode", ModeNames.ToEnvironmentName(key.Mode));
            if (key.Model is not null) w.WriteString("model", key.Model);
            w.WriteString("claudeCodeVersion", key.ClaudeCodeVersion);
            w.WriteString("savedAt", (now ?? DateTimeOffset.UtcNow).ToString("O", CultureInfo.InvariantCulture));
            if (sessionId is not null) w.WriteString("sessionId", sessionId);
            w.WriteBoolean("resumable", resumable);
            w.WritePropertyName("body");
            using (var doc = JsonDocument.Parse(redacted)) doc.RootElement.WriteTo(w);
            w.WriteEndObject();
        }
        File.Move(temp, path, overwrite: true);
        Prune();
        return path;
    }

    /// <summary>The entry for key, or null when none is kept (or the file is not one of ours).</summary>
    public static WarmStartEntry? Load(WarmStartKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var path = PathOf(key);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            if (!root.TryGetProperty("version", out var v) || v.GetInt32() != 1) return null;
            // The hash names the key; the fields say it is this one (no collision, no copied file).
            if (root.GetProperty("projectFolder").GetString() != key.ProjectFolder
                || root.GetProperty("claudeCodeVersion").GetString() != key.ClaudeCodeVersion) return null;
            var body = Encoding.UTF8.GetBytes(root.GetProperty("body").GetRawText());
            var saved = DateTimeOffset.Parse(root.GetProperty("savedAt").GetString()!, CultureInfo.InvariantCulture);
            var session = root.TryGetProperty("sessionId", out var s) ? s.GetString() : null;
            return new WarmStartEntry(key, saved, session, body, root.TryGetProperty("resumable", out var r) && r.GetBoolean());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException)
        {
            return null;
        }
    }

    /// <summary>Deletes every remembered head; returns how many files went.</summary>
    public static int Forget()
    {
        var dir = Directory;
        if (!System.IO.Directory.Exists(dir)) return 0;
        var n = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(dir))
        {
            File.Delete(file);
            n++;
        }
        System.IO.Directory.Delete(dir);
        return n;
    }

    private static void Prune()
    {
        var files = new DirectoryInfo(Directory).GetFiles("head-*.json").OrderByDescending(f => f.LastWriteTimeUtc).ToArray();
        foreach (var old in files.Skip(MaxEntries)) old.Delete();
    }

    /// <summary>The head of a Claude Code request: model, system, tools, its first user message's system reminders (the
    /// user's own text left out) and the role:"system" messages that follow it (2.1.332's environment); max_tokens 1, no
    /// stream, no thinking. A first message without reminders becomes ".".</summary>
    internal static byte[] HeadOf(ReadOnlySpan<byte> body)
    {
        using var doc = JsonDocument.Parse(body.ToArray());
        var root = doc.RootElement;
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var p in root.EnumerateObject())
            {
                if (p.Name is "model" or "system" or "tools" or "metadata") p.WriteTo(w);
            }
            w.WriteNumber("max_tokens", 1);
            w.WriteStartArray("messages");
            w.WriteStartObject();
            w.WriteString("role", "user");
            var first = root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0
                ? messages[0] : default;
            var reminders = first.ValueKind == JsonValueKind.Object && first.TryGetProperty("content", out var content)
                && content.ValueKind == JsonValueKind.Array
                ? content.EnumerateArray().Where(b => b.ValueKind == JsonValueKind.Object && b.TryGetProperty("text", out var t)
                    && t.ValueKind == JsonValueKind.String && t.GetString()!.StartsWith("<system-reminder>", StringComparison.Ordinal)).ToArray()
                : [];
            if (reminders.Length > 0)
            {
                w.WriteStartArray("content");
                foreach (var block in reminders) block.WriteTo(w);
                w.WriteEndArray();
            }
            else
            {
                w.WriteString("content", ".");
            }
            w.WriteEndObject();
            if (messages.ValueKind == JsonValueKind.Array)
            {
                foreach (var m in messages.EnumerateArray().Skip(1))
                {
                    if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("role", out var role) || role.GetString() != "system") break;
                    m.WriteTo(w);
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
