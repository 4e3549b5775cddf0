using System.Text;
using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Prewarm;
using AnyClaude.Proxy.Tests.Control;
using AnyClaude.Proxy.WarmStart;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.WarmStart;

/// <summary>The warm-start store (private files, redaction, bounds, keys, Forget) and the prewarm it feeds at start.</summary>
[Collection(nameof(StateDirCollection))]
public sealed class WarmStartStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"anyclaude-warm-{Guid.NewGuid():N}", "state");
    private readonly string? _previous = Environment.GetEnvironmentVariable("ANYCLAUDE_STATE_DIR");
    private static readonly string s_system = "You are Claude Code. " + string.Concat(Enumerable.Repeat("Rules, tools and memory at /p/memory/. ", 400));
    private static readonly WarmStartKey s_key = new("/home/u/project", BackendMode.LmStudio, "qwen3-coder", "2.1.332");

    public WarmStartStoreTests() => Environment.SetEnvironmentVariable("ANYCLAUDE_STATE_DIR", _dir);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("ANYCLAUDE_STATE_DIR", _previous);
        try { Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A main turn as Claude Code sends it: system, tools, a first user message of reminders then the user's words.</summary>
    private static string MainTurn(string prompt, string? secretProperty = null, params string[] more)
    {
        var first = "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"<system-reminder>context of the folder</system-reminder>\"},"
            + "{\"type\":\"text\",\"text\":" + JsonSerializer.Serialize(prompt) + "}]}";
        var messages = string.Join(",", new[] { first }.Concat(more));
        return "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":32000,\"stream\":true,"
            + (secretProperty is null ? "" : "\"metadata\":{\"user_id\":\"u\",\"api_key\":\"" + secretProperty + "\"},")
            + "\"system\":[{\"type\":\"text\",\"text\":" + JsonSerializer.Serialize(s_system) + "}],"
            + "\"tools\":[{\"name\":\"Bash\",\"description\":\"Run a command\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}},\"required\":[\"command\"]}}],"
            + "\"messages\":[" + messages + "]}";
    }

    [Fact]
    public void A_saved_turn_comes_back_for_its_key_only_in_private_files_and_its_head_drops_the_users_words()
    {
        var path = WarmStartStore.Save(s_key, Encoding.UTF8.GetBytes(MainTurn("fix the parser")), "session-1", []);
        Assert.StartsWith(WarmStartStore.Directory, path, StringComparison.Ordinal);
        Assert.DoesNotContain("project", Path.GetFileName(path), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(WarmStartStore.Directory));
        }

        var entry = WarmStartStore.Load(s_key);
        Assert.NotNull(entry);
        Assert.True(entry.Resumable);
        Assert.Equal("session-1", entry.SessionId);
        using (var body = JsonDocument.Parse(entry.Body))
            Assert.Equal("fix the parser", body.RootElement.GetProperty("messages")[0].GetProperty("content")[1].GetProperty("text").GetString());

        using var head = JsonDocument.Parse(entry.Head());
        Assert.Equal(1, head.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.False(head.RootElement.TryGetProperty("stream", out _));
        Assert.Equal(s_system, head.RootElement.GetProperty("system")[0].GetProperty("text").GetString());
        Assert.Equal("Bash", head.RootElement.GetProperty("tools")[0].GetProperty("name").GetString());
        var content = Assert.Single(head.RootElement.GetProperty("messages").EnumerateArray()).GetProperty("content");
        Assert.Equal("<system-reminder>context of the folder</system-reminder>", Assert.Single(content.EnumerateArray()).GetProperty("text").GetString());

        // Another folder, mode, model or Claude Code version is another key.
        Assert.Null(WarmStartStore.Load(s_key with { ProjectFolder = "/home/u/other" }));
        Assert.Null(WarmStartStore.Load(s_key with { ClaudeCodeVersion = "2.1.197" }));
        Assert.Null(WarmStartStore.Load(s_key with { Mode = BackendMode.MlxLm }));
        Assert.Null(WarmStartStore.Load(s_key with { Model = "other" }));
    }

    [Fact]
    public void Secrets_are_redacted_as_in_traces()
    {
        const string token = "proxy-token-0123456789";
        var body = MainTurn("use " + token + " please", secretProperty: "sk-live-abcdef");
        var path = WarmStartStore.Save(s_key, Encoding.UTF8.GetBytes(body), null, [token]);
        var text = File.ReadAllText(path);
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-live-abcdef", text, StringComparison.Ordinal);
        Assert.Contains("[REDACTED]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_store_is_bounded_in_count_and_size()
    {
        for (var i = 0; i < WarmStartStore.MaxEntries + 3; i++)
        {
            var path = WarmStartStore.Save(s_key with { ProjectFolder = "/p/" + i }, Encoding.UTF8.GetBytes(MainTurn("hi")), null, []);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(i - 100));
        }
        Assert.Equal(WarmStartStore.MaxEntries, Directory.GetFiles(WarmStartStore.Directory, "head-*.json").Length);
        Assert.Null(WarmStartStore.Load(s_key with { ProjectFolder = "/p/0" })); // the oldest went first
        Assert.NotNull(WarmStartStore.Load(s_key with { ProjectFolder = "/p/" + (WarmStartStore.MaxEntries + 2) }));

        // A conversation too big to keep whole keeps only its head: not resumable.
        var big = MainTurn("hi", null, "{\"role\":\"assistant\",\"content\":" + JsonSerializer.Serialize(new string('x', WarmStartStore.MaxBodyBytes)) + "}");
        var bigPath = WarmStartStore.Save(s_key, Encoding.UTF8.GetBytes(big), null, []);
        Assert.True(new FileInfo(bigPath).Length < 200_000);
        Assert.False(WarmStartStore.Load(s_key)!.Resumable);
    }

    [Fact]
    public void Forget_deletes_every_remembered_head()
    {
        WarmStartStore.Save(s_key, Encoding.UTF8.GetBytes(MainTurn("a")), null, []);
        WarmStartStore.Save(s_key with { ProjectFolder = "/other" }, Encoding.UTF8.GetBytes(MainTurn("b")), null, []);
        Assert.Equal(2, WarmStartStore.Forget());
        Assert.False(Directory.Exists(WarmStartStore.Directory));
        Assert.Null(WarmStartStore.Load(s_key));
        Assert.Equal(0, WarmStartStore.Forget());
        Assert.True(Directory.Exists(ProxyStateFile.Directory), "only the warm folder goes");
    }

    [Fact]
    public async Task The_head_warmed_at_start_serves_the_next_sessions_first_prompt_from_the_cache()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Slots = 1 });
        WarmStartStore.Save(s_key, Encoding.UTF8.GetBytes(MainTurn("yesterday's first prompt")), null, []);
        fake.ClearCache(); // a model reload between the sessions

        await using var proxy = StartProxy(fake);
        var entry = WarmStartStore.Load(s_key)!;
        Assert.Equal(PrewarmOutcome.Warmed, await proxy.PrewarmBodyAsync(BackendMode.LmStudio, entry.Head(), PrewarmReason.WarmStart));
        var prewarm = Assert.Single(proxy.GetRecords());
        Assert.Equal(RequestKind.Prewarm, prewarm.Kind);
        Assert.Equal(PrewarmReason.WarmStart, prewarm.Reason);
        Assert.Equal(1, fake.ChatRequests[0].BodyJson().RootElement.GetProperty("max_tokens").GetInt32());

        using var client = Client(proxy);
        using (var r = await client.PostAsync("/v1/messages", Json(MainTurn("today's first prompt")))) await r.Content.ReadAsStringAsync();
        var first = fake.ChatRequests[^1];
        var uncached = first.PromptTokens!.Value - first.CachedTokens!.Value;
        Assert.True(uncached <= first.PromptTokens * 0.15, $"uncached {uncached} of {first.PromptTokens}");
    }
}
