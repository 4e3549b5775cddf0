using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Hosting;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Control;

/// <summary>State files and the control endpoint. ANYCLAUDE_STATE_DIR is process-wide, so these run one at a time.</summary>
[Collection(nameof(StateDirCollection))]
public sealed class ControlTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"anyclaude-state-{Guid.NewGuid():N}", "nested");
    private readonly string? _previous = Environment.GetEnvironmentVariable("ANYCLAUDE_STATE_DIR");

    public ControlTests() => Environment.SetEnvironmentVariable("ANYCLAUDE_STATE_DIR", _dir);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("ANYCLAUDE_STATE_DIR", _previous);
        try { Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task State_file_is_private_published_while_running_and_removed_on_stop()
    {
        Assert.Equal(_dir, ProxyStateFile.Directory);
        var proxy = ProxyServer.Start(new ProxyOptions { PublishStateFile = true });
        var state = Assert.Single(ProxyStateFile.ReadLive());
        Assert.Equal(proxy.Port, state.Port);
        Assert.Equal(proxy.ControlToken, state.ControlToken);
        // Only the control token: the data-plane token Claude Code holds is not published.
        foreach (var file in Directory.GetFiles(_dir)) Assert.DoesNotContain(proxy.Token, File.ReadAllText(file));
        Assert.Equal(Environment.ProcessId, state.ProcessId);
        Assert.Equal(proxy.BaseUrl, state.BaseUrl);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
            // The state file, and the status line's text and settings: every one private.
            var files = Directory.GetFiles(_dir);
            Assert.Contains(files, f => Path.GetFileName(f).StartsWith("proxy-", StringComparison.Ordinal));
            foreach (var file in files) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        await proxy.StopAsync();
        Assert.Empty(ProxyStateFile.ReadLive());
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task Control_client_long_polls_for_the_next_record_and_the_status_line_follows()
    {
        await using var lm = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        lm.Enqueue(ScriptedReply.WithText("first"));
        lm.Enqueue(ScriptedReply.WithText("second"));
        await using var proxy = StartProxy(lm, tweak: o => o with { PublishStateFile = true });
        var control = new ProxyControlClient(ProxyStateFile.ReadLive().Single());
        Assert.StartsWith("LmStudio · ", File.ReadAllText(proxy.StatusLinePath!));
        Assert.Contains("no turn yet", File.ReadAllText(proxy.StatusLinePath!));

        var empty = await control.ReadRecordsAsync(0, TimeSpan.Zero);
        Assert.Empty(empty.Records);
        Assert.Equal(0, empty.Next);

        // The call is held at the proxy until a request completes, then answers with just that record.
        var waiting = control.ReadRecordsAsync(0, TimeSpan.FromSeconds(10));
        using var client = Client(proxy);
        using (var r = await PostMessagesAsync(client, Body(false))) Assert.Contains("first", await r.Content.ReadAsStringAsync());
        var batch = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        var first = Assert.Single(batch.Records);
        Assert.Equal(1, batch.Next);
        Assert.Contains(" errors", File.ReadAllText(proxy.StatusLinePath!));
        Assert.DoesNotContain("no turn yet", File.ReadAllText(proxy.StatusLinePath!));

        using (var r = await PostMessagesAsync(client, Body(false))) Assert.Contains("second", await r.Content.ReadAsStringAsync());
        var next = await control.ReadRecordsAsync(batch.Next, TimeSpan.FromSeconds(10));
        var second = Assert.Single(next.Records);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(2, next.Next);

        proxy.SetMode(BackendMode.MlxLm);
        Assert.StartsWith("MlxLm · ", File.ReadAllText(proxy.StatusLinePath!));
        var settings = File.ReadAllText(proxy.StatusLineSettingsPath!);
        Assert.Contains("\"statusLine\"", settings);
        Assert.Contains(Path.GetFileName(proxy.StatusLinePath!), settings);
    }

    [Fact]
    public void Files_of_dead_processes_are_skipped_and_deleted()
    {
        Directory.CreateDirectory(_dir);
        var stale = Path.Combine(_dir, "proxy-999999-1234.json");
        File.WriteAllText(stale, """{"pid":999999,"port":1234,"controlToken":"t","baseUrl":"http://127.0.0.1:1234/","startedAt":"2026-01-01T00:00:00Z"}""");
        var broken = Path.Combine(_dir, "proxy-1-2.json");
        File.WriteAllText(broken, "{not json");
        Assert.Empty(ProxyStateFile.ReadLive());
        Assert.False(File.Exists(stale));
        Assert.False(File.Exists(broken));
    }

    [Fact]
    public void Status_line_files_of_a_proxy_that_died_without_stopping_are_deleted_with_its_state()
    {
        Directory.CreateDirectory(_dir);
        var deadText = SessionFiles.StatusLinePath(999999, 1234);
        var deadSettings = Path.ChangeExtension(deadText, ".settings.json");
        var liveText = SessionFiles.StatusLinePath(Environment.ProcessId, 4321);
        foreach (var file in new[] { deadText, deadSettings, liveText }) File.WriteAllText(file, "x");

        ProxyStateFile.ReadLive();

        Assert.False(File.Exists(deadText), "a crashed proxy's status line would otherwise stay forever");
        Assert.False(File.Exists(deadSettings));
        Assert.True(File.Exists(liveText), "a live process's files stay");
    }

    /// <summary>A proxy that died without removing its file leaves its pid and port behind. The pid may be reused
    /// by any process, and the port taken by another user's listener, which would then receive the control token
    /// and the API keys Set-AnyClaudeMode sends to every live proxy. A process that started after the proxy it
    /// claims to be is not that proxy.</summary>
    [Fact]
    public void A_state_file_whose_pid_now_belongs_to_a_younger_process_is_not_live()
    {
        Directory.CreateDirectory(_dir);
        var reused = Path.Combine(_dir, $"proxy-{Environment.ProcessId}-1234.json");
        File.WriteAllText(reused, $$"""{"pid":{{Environment.ProcessId}},"port":1234,"controlToken":"t","baseUrl":"http://127.0.0.1:1234/","startedAt":"2001-01-01T00:00:00Z"}""");
        Assert.Empty(ProxyStateFile.ReadLive());
    }

    /// <summary>The control client sends the control token, and Set-AnyClaudeMode the keys, to the state's URL.</summary>
    [Theory]
    [InlineData("http://attacker.example:1234/")]
    [InlineData("https://127.0.0.1:1234/")]
    [InlineData("http://10.0.0.5:1234/")]
    public void A_state_file_pointing_off_loopback_is_not_used(string baseUrl)
    {
        Directory.CreateDirectory(_dir);
        var started = DateTimeOffset.UtcNow.ToString("O");
        File.WriteAllText(Path.Combine(_dir, $"proxy-{Environment.ProcessId}-1234.json"),
            $$"""{"pid":{{Environment.ProcessId}},"port":1234,"controlToken":"t","baseUrl":"{{baseUrl}}","startedAt":"{{started}}"}""");
        Assert.Empty(ProxyStateFile.ReadLive());
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_state_folder_others_may_write_into_is_not_read()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix permissions; %LOCALAPPDATA% is private on Windows.");
        Directory.CreateDirectory(_dir);
        var started = DateTimeOffset.UtcNow.ToString("O");
        File.WriteAllText(Path.Combine(_dir, $"proxy-{Environment.ProcessId}-1234.json"),
            $$"""{"pid":{{Environment.ProcessId}},"port":1234,"controlToken":"t","baseUrl":"http://127.0.0.1:1234/","startedAt":"{{started}}"}""");
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Single(ProxyStateFile.ReadLive());
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        Assert.Empty(ProxyStateFile.ReadLive());
    }

    [Fact]
    public async Task Control_client_reads_status_switches_mode_and_reads_records()
    {
        await using var lm = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        lm.Enqueue(ScriptedReply.WithText("from lm studio"));
        mlx.Enqueue(ScriptedReply.WithText("from mlx"));
        await using var proxy = StartProxy(lm, tweak: o => o with { PublishStateFile = true });
        var control = new ProxyControlClient(ProxyStateFile.ReadLive().Single());

        var status = await control.GetStatusAsync();
        Assert.Equal(BackendMode.LmStudio, status.Mode);
        Assert.Contains(status.Backends, b => b.Mode == BackendMode.MlxLm);

        using var client = Client(proxy);
        using (var r = await PostMessagesAsync(client, Body(false))) Assert.Contains("from lm studio", await r.Content.ReadAsStringAsync());

        await control.SetModeAsync(BackendMode.MlxLm, BackendSettings.Default(BackendMode.MlxLm) with
        {
            BaseUrl = new Uri(mlx.BaseUrl), Model = mlx.Options.Model, ApiKey = "sk-mlx-key-000", ContextWindow = 8192,
        });
        Assert.Equal(BackendMode.MlxLm, proxy.Mode);
        Assert.Equal(mlx.Options.Model, proxy.ActiveBackend.Model);
        Assert.Equal("sk-mlx-key-000", proxy.ActiveBackend.ApiKey);
        Assert.Equal(8192, proxy.ActiveBackend.ContextWindow);

        using (var r = await PostMessagesAsync(client, Body(false))) Assert.Contains("from mlx", await r.Content.ReadAsStringAsync());

        var after = await control.GetStatusAsync();
        Assert.Equal(BackendMode.MlxLm, after.Mode);
        var mlxSettings = after.Backends.Single(b => b.Mode == BackendMode.MlxLm);
        Assert.Equal(new Uri(mlx.BaseUrl), mlxSettings.BaseUrl);
        Assert.Null(mlxSettings.ApiKey); // keys are never reported back

        var records = await control.GetRecordsAsync();
        Assert.Equal([BackendMode.LmStudio, BackendMode.MlxLm], records.Select(r => r.Mode));
        Assert.All(records, r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public async Task Control_endpoint_sets_tool_history_and_reports_it()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        using var client = ControlClient(proxy);
        var (status, _) = await PostForJsonAsync(client, "/anyclaude/mode", """{"mode":"lmstudio","toolHistory":"text"}""");
        Assert.Equal(200, status);
        Assert.Equal(ToolHistoryMode.Text, proxy.GetBackend(BackendMode.LmStudio).ToolHistory);
        var (rejected, body) = await PostForJsonAsync(client, "/anyclaude/mode", """{"mode":"lmstudio","toolHistory":"xml"}""");
        AssertError(rejected, body, 400, "invalid_request_error");

        var control = new ProxyControlClient(new ProxyState(Environment.ProcessId, proxy.Port, proxy.ControlToken, proxy.BaseUrl, proxy.StartedAt));
        Assert.Equal(ToolHistoryMode.Text, (await control.GetStatusAsync()).Backends.Single(b => b.Mode == BackendMode.LmStudio).ToolHistory);
        await control.SetModeAsync(BackendMode.LmStudio, proxy.GetBackend(BackendMode.LmStudio) with { ToolHistory = ToolHistoryMode.Native });
        Assert.Equal(ToolHistoryMode.Native, proxy.GetBackend(BackendMode.LmStudio).ToolHistory);
    }

    [Fact]
    public async Task Control_endpoint_requires_the_token_and_rejects_unknown_modes()
    {
        await using var proxy = ProxyServer.Start(new ProxyOptions());
        var wrong = new ProxyControlClient(new ProxyState(Environment.ProcessId, proxy.Port, "not-the-token", proxy.BaseUrl, proxy.StartedAt));
        await Assert.ThrowsAsync<ProxyControlException>(() => wrong.GetStatusAsync());
        using var client = ControlClient(proxy);
        var (status, body) = await PostForJsonAsync(client, "/anyclaude/mode", """{"mode":"nonsense"}""");
        AssertError(status, body, 400, "invalid_request_error");
        Assert.Equal(BackendMode.LmStudio, proxy.Mode);
    }
}

[CollectionDefinition(nameof(StateDirCollection), DisableParallelization = true)]
public sealed class StateDirCollection;
