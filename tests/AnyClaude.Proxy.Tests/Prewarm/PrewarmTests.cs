using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using AnyClaude.Proxy.Prewarm;
using static AnyClaude.Proxy.Tests.Conversation;
using Xunit;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Prewarm;

/// <summary>Prewarming the target of a mode switch: its first turn comes from the cache, and a prewarm never runs
/// alongside a request in flight on that backend.</summary>
public sealed class PrewarmTests
{
    private static readonly string s_system = "You are Claude Code. " + string.Concat(Enumerable.Repeat("Follow the repository's conventions. ", 200));

    private static ProxyServer Start(FakeOpenAiServer lmstudio, FakeOpenAiServer mlx, bool prewarmOnSwitch = false, TimeSpan? stallTimeout = null) => ProxyServer.Start(new ProxyOptions
    {
        Mode = BackendMode.LmStudio,
        Prewarm = prewarmOnSwitch,
        StallTimeout = stallTimeout ?? TimeSpan.FromMinutes(10),
        GenerationStallTimeout = stallTimeout ?? TimeSpan.FromMinutes(3),
        Backends = new Dictionary<BackendMode, BackendSettings>
        {
            [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(lmstudio.BaseUrl) },
            [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { BaseUrl = new Uri(mlx.BaseUrl) },
        },
    });

    private static async Task SendAsync(HttpClient client, string body)
    {
        using var r = await PostMessagesAsync(client, body);
        Assert.Equal(200, (int)r.StatusCode);
        await r.Content.ReadAsStringAsync();
    }

    /// <summary>Issue 18: a /model picker choice sends no probe; the saved choice (Start-AnyClaude watches settings.json)
    /// warms the chosen mode as the probe of /model &lt;id&gt; does, only with Prewarm and only for another mode.</summary>
    [Fact]
    public async Task A_picker_choice_of_another_mode_prewarms_it_with_the_main_conversation()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = "mlx-community/Qwen3-8B-4bit" });
        await using (var off = Start(lmstudio, mlx))
        {
            using var offClient = Client(off);
            await SendAsync(offClient, Turn(s_system, User("Explain the build.")));
            Assert.False(off.ModelChosen("mlx-lm"));
        }
        await using var proxy = Start(lmstudio, mlx, prewarmOnSwitch: true);
        using var client = Client(proxy);
        Assert.False(proxy.ModelChosen("mlx-lm")); // no main conversation yet: nothing to warm
        await SendAsync(client, Turn(s_system, User("Explain the build.")));
        Assert.False(proxy.ModelChosen("lmstudio/other-model")); // the main conversation's own mode
        Assert.True(proxy.ModelChosen("mlx-lm/mlx-community/Qwen3-8B-4bit"));
        await EventuallyAsync(() => mlx.ChatRequests.Count == 1 && mlx.ChatRequests[0].Completed, "the prewarm on mlx-lm");
        var warm = mlx.ChatRequests[0];
        Assert.Equal(1, warm.BodyJson().RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal("mlx-community/Qwen3-8B-4bit", warm.BodyJson().RootElement.GetProperty("model").GetString());
        Assert.Contains("Explain the build.", warm.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_first_turn_after_a_switch_to_a_prewarmed_backend_is_served_from_its_cache()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        await using var proxy = Start(lmstudio, mlx);
        using var client = Client(proxy);
        Assert.Equal(PrewarmOutcome.NothingToWarm, await proxy.PrewarmAsync(BackendMode.MlxLm));

        var first = User("Explain the build.");
        await SendAsync(client, Turn(s_system, first));
        proxy.SetMode(BackendMode.MlxLm);
        Assert.Equal(PrewarmOutcome.Warmed, await proxy.PrewarmAsync(BackendMode.MlxLm));
        var warm = Assert.Single(mlx.ChatRequests);
        Assert.Equal(1, warm.BodyJson().RootElement.GetProperty("max_tokens").GetInt32());
        var record = proxy.GetRecords()[^1];
        Assert.Equal(RequestKind.Prewarm, record.Kind);
        Assert.Equal(BackendMode.MlxLm, record.Mode);

        await SendAsync(client, Turn(s_system, first, Assistant("It uses build.ps1."), User("And the tests?")));
        var turn = mlx.ChatRequests[^1];
        var reuse = (double)turn.CachedTokens!.Value / turn.PromptTokens!.Value;
        Assert.True(reuse >= 0.9, $"the first turn after the switch reused {reuse:P0} of its prompt ({turn.CachedTokens}/{turn.PromptTokens})");
    }

    private static bool IsPrewarmOf(RecordedRequest r) =>
        r.BodyJson().RootElement.GetProperty("max_tokens").GetInt32() == 1 && r.Body.Contains("Follow the repository", StringComparison.Ordinal);

    [Fact]
    public async Task A_model_probe_naming_another_mode_prewarms_it_when_the_session_prewarms_switches()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        await using var proxy = Start(lmstudio, mlx, prewarmOnSwitch: true);
        using var client = Client(proxy);
        var first = User("Explain the build.");
        await SendAsync(client, Turn(s_system, first));

        // /model mlx-lm: the probe is answered (by the target, as before), then the target is warmed with the main conversation.
        await SendAsync(client, ModelProbe("mlx-lm"));
        await EventuallyAsync(() => proxy.RequestsHandled >= 2, "the probe's handler to finish");
        Assert.Equal(1, proxy.PrewarmsStarted); // the signal the tests of "no prewarm" below rely on
        await EventuallyAsync(() => proxy.GetRecords().Any(r => r.Kind == RequestKind.Prewarm), "a prewarm after the /model probe");
        var prewarm = proxy.GetRecords().Single(r => r.Kind == RequestKind.Prewarm);
        Assert.Equal(BackendMode.MlxLm, prewarm.Mode);
        Assert.Null(prewarm.Error);
        Assert.Single(mlx.ChatRequests, IsPrewarmOf);
        Assert.Equal(BackendMode.LmStudio, proxy.Mode); // /model changes the model of later requests, not the proxy's mode

        // The next main turn names the new model: served from the cache the prewarm filled.
        var next = Turn(s_system, first, Assistant("It uses build.ps1."), User("And the tests?"))
            .Replace("\"anyclaude-local\"", "\"mlx-lm\"", StringComparison.Ordinal);
        await SendAsync(client, next);
        var turn = mlx.ChatRequests[^1];
        var reuse = (double)turn.CachedTokens!.Value / turn.PromptTokens!.Value;
        Assert.True(reuse >= 0.9, $"the first turn after /model reused {reuse:P0} of its prompt ({turn.CachedTokens}/{turn.PromptTokens})");
        Assert.Equal(1, mlx.MaxConcurrentChatRequests);
    }

    [Theory]
    [InlineData(false, "mlx-lm")]   // not opted in: /model prewarms nothing (as before)
    [InlineData(true, "lmstudio")]  // the probe names the main conversation's own mode: nothing to warm
    public async Task A_model_probe_prewarms_nothing_without_the_opt_in_or_for_the_same_mode(bool prewarmOnSwitch, string probeModel)
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        await using var proxy = Start(lmstudio, mlx, prewarmOnSwitch);
        using var client = Client(proxy);
        await SendAsync(client, Turn(s_system, User("Explain the build.")));
        await SendAsync(client, ModelProbe(probeModel));
        // The decision is taken by the probe's own handler after its answer: once both requests are handled to the end
        // it is taken, and a prewarm it started would be counted (the opted-in test above sees 1 the same way).
        await EventuallyAsync(() => proxy.RequestsHandled >= 2, "the probe's handler to finish");
        Assert.Equal(0, proxy.PrewarmsStarted);
        Assert.DoesNotContain(proxy.GetRecords(), r => r.Kind == RequestKind.Prewarm);
        Assert.DoesNotContain(mlx.ChatRequests, IsPrewarmOf);
        Assert.DoesNotContain(lmstudio.ChatRequests, IsPrewarmOf);
    }

    [Fact]
    public async Task A_model_probe_prewarm_waits_for_the_request_in_flight_on_the_target_and_never_overlaps_it()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        await using var proxy = Start(lmstudio, mlx, prewarmOnSwitch: true);
        using var client = Client(proxy);
        await SendAsync(client, Turn(s_system, User("Explain the build.")));
        await SendAsync(client, ModelProbe("mlx-lm"));
        await EventuallyAsync(() => proxy.GetRecords().Any(r => r.Kind == RequestKind.Prewarm), "the first prewarm");

        // Another conversation keeps MLX-LM busy (held until released); a second /model probe's prewarm must wait for it.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        mlx.Enqueue(new ScriptedReply { Text = "slow", HoldUntil = release.Task });
        var inFlight = SendAsync(client, Turn("another conversation", User("busy")).Replace("\"anyclaude-local\"", "\"mlx-lm\"", StringComparison.Ordinal));
        await EventuallyAsync(() => mlx.ChatRequests.Count(r => r.Body.Contains("busy", StringComparison.Ordinal)) == 1, "the request in flight at MLX-LM");
        await SendAsync(client, Turn(s_system, User("Explain the build.")));
        var probe = SendAsync(client, ModelProbe("mlx-lm")); // queued behind the request in flight (one slot)
        release.SetResult();
        await inFlight;
        await probe;
        await EventuallyAsync(() => proxy.GetRecords().Count(r => r.Kind == RequestKind.Prewarm) == 2, "the second prewarm");

        // Order from the backend's own log: the request in flight, the probe, then the prewarm, never two at once.
        Assert.Equal(1, mlx.MaxConcurrentChatRequests);
        var busy = mlx.ChatRequests.Single(r => r.Body.Contains("busy", StringComparison.Ordinal));
        var second = mlx.ChatRequests.Where(IsPrewarmOf).Last();
        Assert.True(second.Sequence > busy.Sequence, "the prewarm reached the backend before the request in flight");
    }

    [Fact]
    public async Task A_prewarm_waits_for_the_request_in_flight_on_its_backend_and_never_overlaps_it()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        mlx.Enqueue(new ScriptedReply { Text = "slow", HoldUntil = release.Task });
        await using var proxy = Start(lmstudio, mlx);
        using var client = Client(proxy);
        await SendAsync(client, Turn(s_system, User("Explain the build.")));
        proxy.SetMode(BackendMode.MlxLm);

        var inFlight = SendAsync(client, Turn("another conversation", User("busy")));
        await EventuallyAsync(() => mlx.ChatRequests.Count == 1, "the request in flight at the backend");
        var prewarm = proxy.PrewarmAsync(BackendMode.MlxLm);
        Assert.False(prewarm.IsCompleted);
        release.SetResult();
        await inFlight;
        Assert.Equal(PrewarmOutcome.Warmed, await prewarm);

        // Order from the backend's own log: the two never overlapped, and the prewarm came second.
        Assert.Equal(1, mlx.MaxConcurrentChatRequests);
        Assert.Equal(2, mlx.ChatRequests.Count);
        Assert.Equal(1, mlx.ChatRequests[1].BodyJson().RootElement.GetProperty("max_tokens").GetInt32()); // the prewarm came second
        Assert.True(mlx.ChatRequests[1].Sequence > mlx.ChatRequests[0].Sequence);
    }

    [Fact]
    public async Task A_prewarm_gives_way_to_a_backend_that_stays_busy()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        // The request in flight is held until the prewarm has given up: busy for as long as the prewarm is willing to wait.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        mlx.Enqueue(new ScriptedReply { Text = "slow", HoldUntil = release.Task });
        await using var proxy = Start(lmstudio, mlx);
        using var client = Client(proxy);
        await SendAsync(client, Turn(s_system, User("Explain the build.")));
        proxy.SetMode(BackendMode.MlxLm);
        var inFlight = SendAsync(client, Turn("another conversation", User("busy")));
        await EventuallyAsync(() => mlx.ChatRequests.Count == 1, "the request in flight at the backend");
        Assert.Equal(PrewarmOutcome.Busy, await proxy.PrewarmAsync(BackendMode.MlxLm, TimeSpan.FromMilliseconds(300)));
        release.SetResult();
        await inFlight;
        Assert.Single(mlx.ChatRequests);
    }

    [Fact]
    public async Task A_backend_that_goes_silent_after_accepting_a_prewarm_does_not_keep_the_next_main_turn_waiting()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm });
        // The backend accepts the prewarm (status line and headers) and then sends nothing: a hung generation.
        mlx.Enqueue(new ScriptedReply { Text = "never", StallAfterChunks = 0, StallFor = TimeSpan.FromMinutes(10) });
        await using var proxy = Start(lmstudio, mlx, stallTimeout: TimeSpan.FromSeconds(2));
        using var client = Client(proxy);
        var first = User("Explain the build.");
        await SendAsync(client, Turn(s_system, first));
        proxy.SetMode(BackendMode.MlxLm);
        var prewarm = proxy.PrewarmAsync(BackendMode.MlxLm);
        await EventuallyAsync(() => mlx.ChatRequests.Count == 1, "the prewarm at the backend");

        // The user's next turn: answered once the prewarm's stall guard has given the slot back (the client's own
        // timeout, 60 s, is what the user would otherwise wait for, then press Esc).
        using var response = await PostMessagesAsync(client, Turn(s_system, first,
            "{\"role\":\"assistant\",\"content\":\"It uses build.ps1.\"}", User("And the tests?")));
        Assert.Equal(200, (int)response.StatusCode);
        Assert.NotEmpty(TextOf(Events(await response.Content.ReadAsStringAsync())));

        Assert.Equal(PrewarmOutcome.Failed, await prewarm);
        var record = proxy.GetRecords().Single(r => r.Kind == RequestKind.Prewarm);
        Assert.Contains("sent nothing for 2 s", record.Error, StringComparison.Ordinal);
        Assert.Contains(mlx.BaseUrl, record.Error, StringComparison.Ordinal);
        // Order from the backend's log: the prewarm first, abandoned by the proxy; then the main turn.
        Assert.Equal(2, mlx.ChatRequests.Count);
        Assert.True(IsPrewarmOf(mlx.ChatRequests[0]));
        Assert.True(mlx.ChatRequests[0].ClientDisconnected, "the proxy hung up on the silent prewarm");
    }
}
