using System.Diagnostics;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Routing;
using Xunit;

namespace AnyClaude.Proxy.Tests.Observability;

/// <summary>The live view's numbered history and the status-line text (issue 11).</summary>
public sealed class VisibilityTests
{
    private static RequestRecord Rec(string id, int status = 200, int input = 0, int cached = 0, int output = 0,
        double ttftMs = 0, double durationMs = 0, string? error = null, string path = "/v1/messages", string? model = "m") => new()
    {
        Id = id,
        Time = DateTimeOffset.UnixEpoch,
        Path = path,
        Mode = BackendMode.MlxLm,
        Model = model,
        Status = status,
        InputTokens = input,
        CachedTokens = cached,
        OutputTokens = output,
        TimeToFirstToken = ttftMs > 0 ? TimeSpan.FromMilliseconds(ttftMs) : null,
        Duration = TimeSpan.FromMilliseconds(durationMs),
        Error = error,
    };

    [Fact]
    public void After_returns_only_newer_records_and_the_number_to_ask_from_next()
    {
        var history = new RecordHistory(3);
        Assert.Equal(0, history.After(0).Next);
        for (var i = 1; i <= 5; i++) history.Add(Rec($"r{i}"));
        var all = history.After(0);
        Assert.Equal(["r3", "r4", "r5"], all.Records.Select(r => r.Id));
        Assert.Equal(5, all.Next);
        Assert.Equal(["r5"], history.After(4).Records.Select(r => r.Id));
        Assert.Empty(history.After(5).Records);
        // A number from an earlier proxy on the same port (beyond the newest): everything kept.
        Assert.Equal(3, history.After(99).Records.Count);
    }

    [Fact]
    public async Task WaitAfter_returns_as_soon_as_a_record_is_added()
    {
        var history = new RecordHistory(10);
        history.Add(Rec("before"));
        var waiting = history.WaitAfterAsync(1, TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        history.Add(Rec("live"));
        var batch = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["live"], batch.Records.Select(r => r.Id));
        Assert.Equal(2, batch.Next);
    }

    [Fact]
    public async Task WaitAfter_gives_an_empty_batch_after_the_wait_and_honours_cancellation()
    {
        var history = new RecordHistory(10);
        var empty = await history.WaitAfterAsync(0, TimeSpan.FromMilliseconds(50), CancellationToken.None);
        Assert.Empty(empty.Records);
        using var cts = new CancellationTokenSource();
        var waiting = history.WaitAfterAsync(0, TimeSpan.FromMinutes(5), cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    private static ModeSnapshot Modes(BackendMode active = BackendMode.MlxLm, string? model = "qwen-local") =>
        ModeSnapshot.From(new ProxyOptions
        {
            Mode = active,
            Backends = new Dictionary<BackendMode, BackendSettings> { [active] = BackendSettings.Default(active) with { Model = model } },
        });

    [Fact]
    public void Status_line_before_any_turn_names_mode_and_configured_model()
    {
        Assert.Equal("MlxLm · qwen-local · no turn yet · 0 errors", StatusLine.Render(Modes(), null, 0));
        Assert.Equal("LmStudio · backend's model · no turn yet · 1 error", StatusLine.Render(Modes(BackendMode.LmStudio, null), null, 1));
    }

    [Fact]
    public void Status_line_shows_the_cached_share_and_tokens_per_second_of_the_last_turn()
    {
        // 9,000 of 10,000 prompt tokens cached; 50 tokens in the 2 s after the first token.
        var turn = Rec("t", input: 1000, cached: 9000, output: 51, ttftMs: 500, durationMs: 2500, model: "served-model");
        Assert.Equal("MlxLm · served-model · cached 90% · 25.5 tok/s · 2 errors", StatusLine.Render(Modes(), turn, 2));
    }

    [Fact]
    public void Status_line_shows_the_prefill_time_when_nothing_was_cached()
    {
        var turn = Rec("t", input: 16000, cached: 0, output: 10, ttftMs: 12_300, durationMs: 13_300);
        Assert.Equal("MlxLm · m · prefill 12.3s · 10 tok/s · 0 errors", StatusLine.Render(Modes(), turn, 0));
    }

    /// <summary>Issue 17: how full the backend's window is, when the proxy knows it.</summary>
    [Fact]
    public void Status_line_shows_how_full_the_window_is()
    {
        var turn = Rec("t", input: 16000, cached: 0, output: 10, ttftMs: 12_300, durationMs: 13_300) with { ContextWindow = 32_768, ElidedTokens = 9_000 };
        // (16,000 + 10) / 32,768 = 49 %
        Assert.Equal("MlxLm · m · prefill 12.3s · ctx 49% of 32K · 10 tok/s · 0 errors", StatusLine.Render(Modes(), turn, 0));
    }

    [Fact]
    public void Only_completed_messages_with_output_are_turns_and_Esc_is_no_error()
    {
        Assert.True(StatusLine.IsTurn(Rec("ok", output: 5)));
        Assert.False(StatusLine.IsTurn(Rec("count", path: "/v1/messages/count_tokens", output: 0)));
        Assert.False(StatusLine.IsTurn(Rec("failed", status: 500, output: 0, error: "boom")));
        Assert.True(StatusLine.IsFailure(Rec("failed", status: 500, error: "boom")));
        Assert.True(StatusLine.IsFailure(Rec("stream error", status: 200, error: "backend stalled")));
        Assert.False(StatusLine.IsFailure(Rec("esc", status: 499, error: StatusLine.ClientClosed)));
        Assert.False(StatusLine.IsFailure(Rec("esc mid-stream", status: 200, error: StatusLine.ClientClosed)));
    }

    [Fact]
    public async Task Status_line_is_written_off_the_request_path_and_at_once_when_flushed()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"anyclaude-status-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "statusline-1-2.txt");
        var line = new StatusLine(path, () => Modes());
        try
        {
            Assert.Equal("MlxLm · qwen-local · no turn yet · 0 errors\n", File.ReadAllText(path));
            // A completed request only marks the line changed: the file is written by the timer (at once: no write yet).
            line.Record(Rec("e1", status: 500));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (File.ReadAllText(path) != "MlxLm · qwen-local · no turn yet · 1 error\n" && DateTime.UtcNow < deadline)
                await Task.Delay(10);
            Assert.Equal("MlxLm · qwen-local · no turn yet · 1 error\n", File.ReadAllText(path));
            // Flush (a reader of the records) writes what is pending at once.
            line.Record(Rec("e2", status: 502));
            line.Flush();
            Assert.Equal("MlxLm · qwen-local · no turn yet · 2 errors\n", File.ReadAllText(path));
            // After Delete (the proxy stops) a late record writes nothing back.
            line.Delete();
            line.Record(Rec("e3", status: 500));
            line.Flush();
            await Task.Delay(StatusLine.MinInterval * 2);
            Assert.False(File.Exists(path));
        }
        finally
        {
            line.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Session_records_written_in_batches_are_all_on_disk_when_it_stops()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"anyclaude-sessions-{Guid.NewGuid():N}");
        try
        {
            var records = SessionRecords.Start(dir, "20261207T000000000-1-2", () => []);
            for (var i = 1; i <= 250; i++) records.Add(Rec($"r{i}"));
            // Stopping at once, within the batch delay: nothing is lost.
            await records.DisposeAsync();
            var read = SessionRecords.Read(records.Path);
            Assert.Equal(Enumerable.Range(1, 250).Select(i => $"r{i}"), read.Select(r => r.Id));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Windows_command_uses_only_quotes_every_shell_passes_through()
    {
        var command = StatusLine.CommandFor(@"C:\Users\Ann\AppData\Local\AnyClaude\statusline-1-2.txt", windows: true);
        Assert.Equal("node -e \"process.stdout.write(require('fs').readFileSync('C:/Users/Ann/AppData/Local/AnyClaude/statusline-1-2.txt','utf8'))\"", command);
        Assert.Throws<ArgumentException>(() => StatusLine.CommandFor("/home/o'brien/x.txt", windows: false));
        Assert.Throws<ArgumentException>(() => StatusLine.CommandFor("/home/$USER/x.txt", windows: true));
    }

    [SkippableFact]
    public void Unix_command_prints_the_file_through_sh()
    {
        Skip.If(OperatingSystem.IsWindows(), "sh and cat are the Unix form of the command.");
        var path = Path.Combine(Path.GetTempPath(), $"anyclaude status {Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "MlxLm · m · cached 90% · 25 tok/s · 0 errors\n");
        try
        {
            var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardInput = true };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(StatusLine.CommandFor(path, windows: false));
            using var sh = Process.Start(info)!;
            sh.StandardInput.Write("{\"session_id\":\"x\"}"); // what Claude Code sends on stdin; ignored
            sh.StandardInput.Close();
            var output = sh.StandardOutput.ReadToEnd();
            sh.WaitForExit();
            Assert.Equal(0, sh.ExitCode);
            Assert.Equal("MlxLm · m · cached 90% · 25 tok/s · 0 errors\n", output);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
