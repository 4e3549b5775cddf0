using AnyClaude.Diagnostics;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Configuration;
using Xunit;
using static AnyClaude.Proxy.Tests.Diagnostics.DiagnosticsFixtures;

namespace AnyClaude.Proxy.Tests.Diagnostics;

public sealed class BackendCheckRunnerTests
{
    private static async Task<Dictionary<string, CheckResult>> RunAsync(BackendSettings settings, Func<BackendCheckOptions, BackendCheckOptions>? tweak = null)
    {
        var options = new BackendCheckOptions { Backend = settings, CachePromptTokens = 3000 };
        var results = await BackendCheckRunner.RunAllAsync(tweak?.Invoke(options) ?? options, Timeout());
        Assert.Equal(CheckNames.All, results.Select(r => r.Check));
        Assert.All(results, r => Assert.Equal(settings.Mode, r.Mode));
        Assert.All(results.Where(r => r.Status is CheckStatus.Failed or CheckStatus.Warning), r => Assert.False(string.IsNullOrWhiteSpace(r.Advice)));
        return results.ToDictionary(r => r.Check);
    }

    [Fact]
    public async Task A_healthy_LM_Studio_passes_every_check()
    {
        // LM Studio reports no cached tokens: its cache shows only as a faster repeat, so make the cold prompt slow.
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, MicrosecondsPerPromptToken = 200 });
        var r = await RunAsync(Settings(fake));

        Assert.All(r.Values, c => Assert.True(c.Status == CheckStatus.Passed, $"{c.Check}: {c.Status} {c.Detail}"));
        Assert.Contains("32768", r[CheckNames.Model].Detail);
        Assert.Contains("Bash", r[CheckNames.ToolCalls].Detail);
        Assert.Contains(fake.ChatRequests, q => q.Body.Contains("\"tools\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_healthy_MLX_LM_passes_and_skips_tool_calls_because_the_mode_is_analysis_only()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        var r = await RunAsync(Settings(fake));

        Assert.Equal(CheckStatus.Skipped, r[CheckNames.ToolCalls].Status);
        Assert.Contains("analysis-only", r[CheckNames.ToolCalls].Detail);
        Assert.All(r.Values.Where(c => c.Check != CheckNames.ToolCalls),
            c => Assert.True(c.Status == CheckStatus.Passed, $"{c.Check}: {c.Status} {c.Detail}"));
        Assert.Matches(@"\d+ of \d+ prompt tokens cached", r[CheckNames.PromptCache].Detail);
        Assert.DoesNotContain(fake.ChatRequests, q => q.Body.Contains("\"tools\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MLX_LM_with_no_model_configured_uses_the_server_default()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        var r = await RunAsync(Settings(fake, model: null));

        Assert.Equal(CheckStatus.Passed, r[CheckNames.Model].Status);
        Assert.Contains("server's default", r[CheckNames.Model].Detail);
        Assert.Equal(CheckStatus.Passed, r[CheckNames.Chat].Status);
    }

    [Theory]
    [InlineData(BackendMode.LmStudio, "lms server start")]
    [InlineData(BackendMode.MlxLm, "mlx_lm.server")]
    public async Task A_backend_that_is_down_fails_the_server_check_with_advice_and_skips_the_rest(BackendMode mode, string advice)
    {
        var r = await RunAsync(Down(mode));

        Assert.Equal(CheckStatus.Failed, r[CheckNames.Server].Status);
        Assert.Contains(advice, r[CheckNames.Server].Advice);
        Assert.All(r.Values.Where(c => c.Check != CheckNames.Server), c => Assert.Equal(CheckStatus.Skipped, c.Status));
    }

    [Fact]
    public async Task A_model_the_server_does_not_list_fails_with_advice_to_load_it()
    {
        await using var fake = Fake(FakeFlavor.LmStudio);
        var r = await RunAsync(Settings(fake, model: "no/such-model"));

        Assert.Equal(CheckStatus.Passed, r[CheckNames.Server].Status);
        Assert.Equal(CheckStatus.Failed, r[CheckNames.Model].Status);
        Assert.Contains("no/such-model", r[CheckNames.Model].Detail);
        Assert.Contains("lms load no/such-model", r[CheckNames.Model].Advice);
        Assert.Equal(CheckStatus.Skipped, r[CheckNames.Chat].Status);
    }

    [Fact]
    public async Task An_MLX_model_name_the_server_was_not_started_with_fails_with_the_download_warning()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        var r = await RunAsync(Settings(fake, model: "claude-sonnet-4-5"));

        Assert.Equal(CheckStatus.Failed, r[CheckNames.Model].Status);
        Assert.Contains("Hugging Face", r[CheckNames.Model].Advice);
    }

    [Fact]
    public async Task LM_Studio_with_nothing_loaded_fails_the_model_check()
    {
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, ModelLoaded = false });
        var r = await RunAsync(Settings(fake, model: null));

        Assert.Equal(CheckStatus.Failed, r[CheckNames.Model].Status);
        Assert.Contains("no model is loaded", r[CheckNames.Model].Detail);
    }

    [Fact]
    public async Task A_configured_LM_Studio_model_that_is_not_loaded_fails_the_model_check()
    {
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, ModelLoaded = false });
        var r = await RunAsync(Settings(fake));

        Assert.Equal(CheckStatus.Failed, r[CheckNames.Model].Status);
        Assert.Contains("not loaded", r[CheckNames.Model].Detail);
    }

    [Fact]
    public async Task A_context_window_smaller_than_Claude_Code_needs_is_a_warning_naming_the_size_to_load()
    {
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, ContextLength = 8192 });
        var r = await RunAsync(Settings(fake));

        var required = ClaudeCodeFootprint.RequiredContextTokens(toolsSent: true);
        Assert.Equal(CheckStatus.Warning, r[CheckNames.Model].Status);
        Assert.Contains("8192", r[CheckNames.Model].Detail);
        Assert.Contains($"--context-length {required}", r[CheckNames.Model].Advice);
    }

    [Fact]
    public async Task A_model_without_tool_support_fails_the_tool_check()
    {
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, ToolsUnsupported = true });
        var r = await RunAsync(Settings(fake));

        Assert.Equal(CheckStatus.Failed, r[CheckNames.ToolCalls].Status);
        Assert.Contains("tool", r[CheckNames.ToolCalls].Advice, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(CheckStatus.Passed, r[CheckNames.Chat].Status);
    }

    [Fact]
    public async Task MLX_LM_with_native_tool_calling_on_checks_tool_calls_and_fails_when_the_server_ignores_tools()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        var r = await RunAsync(Settings(fake) with { ToolCalls = ToolCallMode.Native });

        Assert.Equal(CheckStatus.Failed, r[CheckNames.ToolCalls].Status);
        Assert.Contains("0.26", r[CheckNames.ToolCalls].Advice);
    }

    [Fact]
    public async Task MLX_LM_whose_cache_does_not_work_fails_the_cache_check()
    {
        await using var fake = Fake(FakeFlavor.MlxLm, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, DisableCache = true });
        var r = await RunAsync(Settings(fake));

        Assert.Equal(CheckStatus.Failed, r[CheckNames.PromptCache].Status);
        Assert.Contains("0 of", r[CheckNames.PromptCache].Detail);
        Assert.Contains("prompt-cache-size", r[CheckNames.PromptCache].Advice);
    }

    [Fact]
    public async Task LM_Studio_whose_cache_does_not_work_gets_a_cache_warning()
    {
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions
        {
            Flavor = o.Flavor, Model = o.Model, DisableCache = true, ReportCachedTokens = true,
        });
        // It reports cached tokens here, so the (zero) hit count decides, not timing.
        var r = await RunAsync(Settings(fake));

        Assert.Equal(CheckStatus.Warning, r[CheckNames.PromptCache].Status);
    }

    [Fact]
    public async Task LM_Studio_without_cached_token_reports_fails_the_cache_check_when_the_repeat_is_not_faster()
    {
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions
        {
            Flavor = o.Flavor, Model = o.Model, DisableCache = true, MicrosecondsPerPromptToken = 200,
        });
        var r = await RunAsync(Settings(fake));

        Assert.Equal(CheckStatus.Warning, r[CheckNames.PromptCache].Status);
        Assert.Contains("does not report cached tokens", r[CheckNames.PromptCache].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LM_Studio_cache_check_shows_no_cached_count_but_a_labelled_estimate()
    {
        // LM Studio sends no usage.prompt_tokens_details (the fake's default for it): no count, an estimate instead.
        await using var fake = Fake(FakeFlavor.LmStudio, o => new FakeServerOptions { Flavor = o.Flavor, Model = o.Model, MicrosecondsPerPromptToken = 200 });
        var r = await RunAsync(Settings(fake));

        var detail = r[CheckNames.PromptCache].Detail;
        Assert.Contains("cached tokens: -", detail, StringComparison.Ordinal);
        Assert.Matches(@"~\d+ of \d+ est\. from prompt-processing time", detail);
        Assert.DoesNotMatch(@"\d+ of \d+ prompt tokens cached", detail);
    }

    [Fact]
    public async Task MLX_LM_cache_check_shows_the_backends_own_count_and_no_estimate()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        var r = await RunAsync(Settings(fake));

        Assert.Matches(@"[1-9]\d* of \d+ prompt tokens cached", r[CheckNames.PromptCache].Detail);
        Assert.DoesNotContain("est.", r[CheckNames.PromptCache].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_round_trip_can_go_through_a_running_proxy()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        await using var proxy = AnyClaude.Proxy.Hosting.ProxyServer.Start(new ProxyOptions
        {
            Mode = BackendMode.LmStudio, // the request's model ("mlx-lm") routes it, the active mode does not matter
            Backends = new Dictionary<BackendMode, BackendSettings> { [BackendMode.MlxLm] = Settings(fake) },
        });
        var r = await RunAsync(Settings(fake), o => o with { Proxy = new ProxyEndpoint(proxy.BaseUrl, proxy.Token) });

        Assert.Equal(CheckStatus.Passed, r[CheckNames.ProxyRoundTrip].Status);
        Assert.Contains(proxy.BaseUrl.ToString().TrimEnd('/'), r[CheckNames.ProxyRoundTrip].Detail);
        Assert.Contains(proxy.GetRecords(), rec => rec.Mode == BackendMode.MlxLm && rec.Status == 200);
    }

    [Fact]
    public async Task A_proxy_that_rejects_the_token_fails_the_round_trip()
    {
        await using var fake = Fake(FakeFlavor.LmStudio);
        await using var proxy = AnyClaude.Proxy.Hosting.ProxyServer.Start(new ProxyOptions());
        var r = await RunAsync(Settings(fake), o => o with { Proxy = new ProxyEndpoint(proxy.BaseUrl, "wrong-token") });

        Assert.Equal(CheckStatus.Failed, r[CheckNames.ProxyRoundTrip].Status);
        Assert.Contains("401", r[CheckNames.ProxyRoundTrip].Detail);
    }

    [Fact]
    public async Task A_failing_completion_fails_the_chat_check_with_the_backend_s_message()
    {
        await using var fake = Fake(FakeFlavor.LmStudio);
        fake.Enqueue(ScriptedReply.WithError(500, "the model crashed"));
        var r = await RunAsync(Settings(fake));

        Assert.Equal(CheckStatus.Failed, r[CheckNames.Chat].Status);
        Assert.Contains("500", r[CheckNames.Chat].Detail);
        Assert.Contains("the model crashed", r[CheckNames.Chat].Detail);
        Assert.Equal(CheckStatus.Passed, r[CheckNames.Streaming].Status);
    }

    [Fact]
    public async Task A_stream_cut_short_fails_the_streaming_check()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        fake.Enqueue(ScriptedReply.WithText("ready"), new ScriptedReply { Text = "ready and waiting for more", CutAfterChunks = 1 });
        var r = await RunAsync(Settings(fake));

        Assert.Equal(CheckStatus.Passed, r[CheckNames.Chat].Status);
        Assert.Equal(CheckStatus.Failed, r[CheckNames.Streaming].Status);
        Assert.Contains("finish_reason", r[CheckNames.Streaming].Detail);
    }

    [Fact]
    public async Task A_tool_call_written_as_text_fails_the_tool_check()
    {
        await using var fake = Fake(FakeFlavor.LmStudio);
        fake.Enqueue(ScriptedReply.WithText("ready"), ScriptedReply.WithText("ready"),
            ScriptedReply.WithText("<tool_call>{\"name\": \"Bash\", \"arguments\": {\"command\": \"echo anyclaude-ready\"}}</tool_call>"));
        var r = await RunAsync(Settings(fake));

        Assert.Equal(CheckStatus.Failed, r[CheckNames.ToolCalls].Status);
        Assert.Contains("came back as text", r[CheckNames.ToolCalls].Detail);
    }

    [Fact]
    public async Task A_backend_error_behind_the_proxy_fails_the_round_trip()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        // Chat, streaming and the two cache requests answer normally; the proxy's request gets mlx's 404.
        fake.Enqueue(ScriptedReply.WithText("ready"), ScriptedReply.WithText("ready"), ScriptedReply.WithText("ready"),
            ScriptedReply.WithText("ready"), ScriptedReply.WithError(404, "failed to load the model"));
        var r = await RunAsync(Settings(fake));

        Assert.Equal(CheckStatus.Passed, r[CheckNames.PromptCache].Status);
        Assert.Equal(CheckStatus.Failed, r[CheckNames.ProxyRoundTrip].Status);
        Assert.Contains("failed to load the model", r[CheckNames.ProxyRoundTrip].Detail);
    }

    [Fact]
    public async Task Modes_that_are_not_OpenAI_compatible_local_backends_are_skipped()
    {
        var r = await RunAsync(BackendSettings.Default(BackendMode.Claude));
        Assert.All(r.Values, c => Assert.Equal(CheckStatus.Skipped, c.Status));
    }

    [Fact]
    public async Task Progress_reports_each_check_and_cancellation_stops_the_run()
    {
        await using var fake = Fake(FakeFlavor.MlxLm);
        var seen = new List<DiagnosticProgress>();
        var progress = new SynchronousProgress(seen.Add);
        using var cts = new CancellationTokenSource();
        var results = new List<CheckResult>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var result in BackendCheckRunner.RunAsync(new BackendCheckOptions { Backend = Settings(fake) }, progress, cts.Token))
            {
                results.Add(result);
                if (result.Check == CheckNames.Chat) cts.Cancel();
            }
        });
        Assert.Equal([CheckNames.Server, CheckNames.Model, CheckNames.Chat], results.Select(r => r.Check));
        Assert.Equal(["Server answers", "Model listed and loaded", "Chat completion"], seen.Select(p => p.Status));
    }

    private sealed class SynchronousProgress(Action<DiagnosticProgress> report) : IProgress<DiagnosticProgress>
    {
        public void Report(DiagnosticProgress value) => report(value);
    }
}
