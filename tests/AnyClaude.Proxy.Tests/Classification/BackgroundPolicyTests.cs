using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.FakeBackend.Scripting;
using AnyClaude.Proxy.Classification;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Forwarding;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Observability;
using Xunit;
using static AnyClaude.Proxy.Tests.Conversation;
using static AnyClaude.Proxy.Tests.Hosting.ProxyTestKit;

namespace AnyClaude.Proxy.Tests.Classification;

/// <summary>Each background-request policy, and background work never queuing ahead of a main turn.</summary>
public sealed class BackgroundPolicyTests
{
    private static async Task<(string Text, RequestRecord Record)> SendAsync(HttpClient client, ProxyServer proxy, string body, bool stream)
    {
        var before = proxy.GetRecords().Count;
        using var response = await PostMessagesAsync(client, body);
        var content = await response.Content.ReadAsStringAsync();
        Assert.Equal(200, (int)response.StatusCode);
        await EventuallyAsync(() => proxy.GetRecords().Count > before, "the record");
        string text;
        if (stream)
        {
            var events = Events(content);
            AnthropicSseGrammarCheck(events);
            text = TextOf(events);
        }
        else
        {
            var message = JsonDocument.Parse(content).RootElement;
            Assert.Equal("end_turn", message.GetProperty("stop_reason").GetString());
            text = message.GetProperty("content")[0].GetProperty("text").GetString()!;
        }
        return (text, proxy.GetRecords()[^1]);
    }

    private static void AnthropicSseGrammarCheck(List<(string Event, JsonElement Data)> events)
    {
        var names = events.Select(e => e.Event).Where(e => e != "ping").ToArray();
        Assert.Equal(["message_start", "content_block_start"], names[..2]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], names[^3..]);
        Assert.All(events, e => Assert.Equal(e.Event, e.Data.GetProperty("type").GetString()));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task Local_modes_answer_title_requests_at_once_with_a_title_from_the_users_text(bool stream, bool schema)
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        var (text, record) = await SendAsync(client, proxy, TitleRequestBody(stream, "fix the login button on mobile please\nand more", schema: schema), stream);
        Assert.Equal("Fix the login button on mobile", JsonDocument.Parse(text).RootElement.GetProperty("title").GetString());
        Assert.Empty(fake.ChatRequests);
        Assert.Equal(RequestKind.Background, record.Kind);
        Assert.Null(record.BackendUrl);
        Assert.Equal(0, record.InputTokens);
    }

    [Fact]
    public async Task Other_background_requests_are_forwarded_even_when_titles_are_answered_locally()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var proxy = StartProxy(fake);
        using var client = Client(proxy);
        // A command-prefix check feeds a permission decision: never answered by the proxy.
        var (text, record) = await SendAsync(client, proxy, Body(true, "<policy_spec>Extract the command prefix</policy_spec> Command: git status", model: RoleModelIds.Background), true);
        Assert.StartsWith("FAKE-LMSTUDIO", text);
        Assert.Single(fake.ChatRequests);
        Assert.Equal(RequestKind.Background, record.Kind);
    }

    [Fact]
    public async Task Forward_sends_title_requests_to_the_backend_as_before()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        await using var proxy = StartProxy(fake, backend: b => b with { BackgroundRequests = BackgroundPolicy.Forward });
        using var client = Client(proxy);
        var (text, _) = await SendAsync(client, proxy, TitleRequestBody(true, "fix the login button"), true);
        Assert.StartsWith("FAKE-LMSTUDIO", text);
        Assert.Single(fake.ChatRequests);
    }

    [Fact]
    public async Task Route_sends_background_requests_to_another_mode_and_model_while_main_turns_stay()
    {
        await using var lmstudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = "big-coder" });
        await using var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = "small-model" });
        Assert.True(BackgroundPolicy.TryParse("mlx-lm/small-model", out var policy));
        await using var proxy = ProxyServer.Start(new ProxyOptions
        {
            Mode = BackendMode.LmStudio,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(lmstudio.BaseUrl), Model = "big-coder", BackgroundRequests = policy },
                [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { BaseUrl = new Uri(mlx.BaseUrl) },
            },
        });
        using var client = Client(proxy);
        var (_, title) = await SendAsync(client, proxy, TitleRequestBody(true, "fix the login button"), true);
        Assert.Equal(BackendMode.MlxLm, title.Mode);
        Assert.Equal("small-model", mlx.ChatRequests.Single().BodyJson().RootElement.GetProperty("model").GetString());
        var (_, main) = await SendAsync(client, proxy, Turn("main", User("hello")), true);
        Assert.Equal(BackendMode.LmStudio, main.Mode);
        Assert.Single(lmstudio.ChatRequests);
        Assert.Single(mlx.ChatRequests);
    }

    [Theory]
    [InlineData("Forward", BackgroundAction.Forward, null, null)]
    [InlineData("answerlocally", BackgroundAction.AnswerLocally, null, null)]
    [InlineData("Answer", BackgroundAction.AnswerLocally, null, null)]
    [InlineData("mlx-lm", BackgroundAction.Route, BackendMode.MlxLm, null)]
    [InlineData("lmstudio/qwen3-0.6b", BackgroundAction.Route, BackendMode.LmStudio, "qwen3-0.6b")]
    public void Policies_parse_and_print_back(string text, BackgroundAction action, BackendMode? mode, string? model)
    {
        Assert.True(BackgroundPolicy.TryParse(text, out var policy));
        Assert.Equal(new BackgroundPolicy(action, mode, model), policy);
        Assert.True(BackgroundPolicy.TryParse(policy.ToString(), out var again));
        Assert.Equal(policy, again);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sometimes")]
    [InlineData("nowhere/model")]
    public void Unknown_policies_do_not_parse(string text) => Assert.False(BackgroundPolicy.TryParse(text, out _));

    [Fact]
    public void The_default_answers_titles_locally_for_local_modes_and_forwards_for_claude()
    {
        Assert.Equal(BackgroundAction.AnswerLocally, BackendSettings.Default(BackendMode.LmStudio).EffectiveBackgroundRequests.Action);
        Assert.Equal(BackgroundAction.AnswerLocally, BackendSettings.Default(BackendMode.MlxLm).EffectiveBackgroundRequests.Action);
        Assert.Equal(BackgroundAction.Forward, BackendSettings.Default(BackendMode.Claude).EffectiveBackgroundRequests.Action);
    }

    [Theory]
    [InlineData("<session>\nfix the login button on mobile\n</session>\n\nWrite the title", "Fix the login button on mobile")]
    [InlineData("<session>\n\n**`refactor`** the API client's error handling now please\n</session>", "Refactor the API client's error handling")]
    [InlineData("<session>\n   \n</session>", "Coding session")]
    public void Titles_are_sentence_case_and_short(string text, string title) => Assert.Equal(title, TitleRequest.Derive(text));

    [Fact]
    public async Task A_background_request_never_queues_ahead_of_a_waiting_main_turn()
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio });
        fake.Enqueue(new ScriptedReply { Text = "slow first", DelayBeforeResponse = TimeSpan.FromMilliseconds(1500) });
        await using var proxy = StartProxy(fake, backend: b => b with { BackgroundRequests = BackgroundPolicy.Forward });
        using var client = Client(proxy);
        var first = PostMessagesAsync(client, Turn("main", User("first")));
        await EventuallyAsync(() => fake.ChatRequests.Count == 1, "the first main turn at the backend");
        var background = PostMessagesAsync(client, Body(true, "background work", model: RoleModelIds.Background));
        await Task.Delay(200); // the background request waits for the slot first
        var second = PostMessagesAsync(client, Turn("main", User("first"), "{\"role\":\"assistant\",\"content\":\"ok\"}", User("second")));
        foreach (var r in await Task.WhenAll(first, background, second)) { await r.Content.ReadAsStringAsync(); r.Dispose(); }
        var order = fake.ChatRequests.Select(r => r.Body.Contains("background work") ? "background" : r.Body.Contains("second") ? "main2" : "main1").ToArray();
        Assert.Equal(["main1", "main2", "background"], order);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue_and_the_idle_slot_is_only_for_an_idle_backend()
    {
        var gate = new PriorityGate(1);
        Assert.NotNull(gate.TryEnterIdle());
        Assert.Null(gate.TryEnterIdle());
        using var cancel = new CancellationTokenSource();
        var waiting = gate.WaitAsync(background: false, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        var backgroundWaiter = gate.WaitAsync(background: true, CancellationToken.None);
        var mainWaiter = gate.WaitAsync(background: false, CancellationToken.None);
        gate.Release();
        await mainWaiter;
        Assert.False(backgroundWaiter.IsCompleted);
        gate.Release();
        await backgroundWaiter;
        gate.Release();
        Assert.Equal(0, gate.InUse);
    }
}
