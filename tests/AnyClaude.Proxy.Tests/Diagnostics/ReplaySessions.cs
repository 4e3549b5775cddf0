using System.Text.Json.Nodes;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Classification;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Tests.Hosting;

namespace AnyClaude.Proxy.Tests.Diagnostics;

/// <summary>
/// A Claude-Code-shaped session recorded through the proxy at TraceLevel.Replay. Synthesised from the workload generator
/// (not Anthropic's prompt text, which is never committed): Claude Code 2.1.197's pattern of a title request (background
/// role id, no tools) before each prompt, then main turns with the system prompt and tools, a Bash round trip and a
/// follow-up. The proxy token appears in one prompt so the recording shows it masked.
/// </summary>
internal static class ReplaySessions
{
    public const string SessionId = "0b9c6c3e-5e2f-4d8e-9a51-7f3d2c1b0a99";
    public const string FirstPrompt = "List the files, then tell me what build.ps1 does. My proxy token is TOKEN, keep it secret.";
    public const string FollowUp = "Summarise what the build does in two sentences.";
    public const string Third = "Which tests would fail first if the proxy stopped forwarding tools?";

    /// <summary>Kinds in the order Claude Code sends them in this session.</summary>
    public static readonly string[] Kinds = ["Background", "Main", "Main", "Background", "Main", "Background", "Main"];

    /// <summary>Records the session into <paramref name="tracePath"/> through a proxy in front of a fake LM Studio.</summary>
    public static async Task RecordAsync(string tracePath, int promptTokens = 1500)
    {
        await using var fake = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = DiagnosticsFixtures.Model });
        var proxy = ProxyTestKit.StartProxy(fake, tweak: o => o with { TracePath = tracePath, TraceLevel = TraceLevel.Replay },
            backend: b => b with { BackgroundRequests = BackgroundPolicy.Forward });
        using (var client = ProxyTestKit.Client(proxy))
        {
            client.DefaultRequestHeaders.Add("X-Claude-Code-Session-Id", SessionId);
            foreach (var body in Bodies(promptTokens, proxy.Token))
            {
                using var response = await ProxyTestKit.PostMessagesAsync(client, body.ToJsonString());
                await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"recording failed: {(int)response.StatusCode}");
            }
        }
        await proxy.StopAsync(); // flushes the trace
    }

    /// <summary>The requests, as Claude Code would send them.</summary>
    public static IEnumerable<JsonObject> Bodies(int promptTokens, string token)
    {
        var workload = ClaudeCodeWorkload.Scaled(promptTokens, "replayfixture");
        var first = FirstPrompt.Replace("TOKEN", token, StringComparison.Ordinal);
        var messages = new JsonArray();

        yield return Title(first);
        messages.Add(User(Text(first)));
        yield return MainTurn(workload, messages);
        messages.Add(new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = new JsonArray(
                Text("I'll list the files first."),
                new JsonObject
                {
                    ["type"] = "tool_use", ["id"] = "toolu_01", ["name"] = "Bash",
                    ["input"] = new JsonObject { ["command"] = "ls", ["description"] = "List the files" },
                }),
        });
        messages.Add(User(new JsonObject
        {
            ["type"] = "tool_result", ["tool_use_id"] = "toolu_01",
            ["content"] = "README.md\nbuild.ps1\nsrc\ntests\n",
        }));
        yield return MainTurn(workload, messages);
        messages.Add(Assistant("build.ps1 builds the module, runs the xunit and Pester tests and packages the module."));

        yield return Title(FollowUp);
        messages.Add(User(Text(FollowUp)));
        yield return MainTurn(workload, messages);
        messages.Add(Assistant("It compiles the cmdlets and the engine into out/AnyClaude. With -Task Test it runs every suite."));

        yield return Title(Third);
        messages.Add(User(Text(Third)));
        yield return MainTurn(workload, messages);
    }

    private static JsonObject MainTurn(ClaudeCodeWorkload workload, JsonArray messages)
    {
        var copy = (JsonArray)messages.DeepClone();
        // Claude Code moves cache_control to the newest user block every turn.
        if (copy[^1]!["content"] is JsonArray { Count: > 0 } blocks) blocks[^1]!["cache_control"] = new JsonObject { ["type"] = "ephemeral" };
        return new JsonObject
        {
            ["model"] = "claude-sonnet-4-5",
            ["max_tokens"] = 32000,
            ["stream"] = true,
            ["system"] = new JsonArray(new JsonObject
            {
                ["type"] = "text", ["text"] = workload.SystemText, ["cache_control"] = new JsonObject { ["type"] = "ephemeral" },
            }),
            ["tools"] = workload.AnthropicTools(),
            ["metadata"] = new JsonObject { ["user_id"] = "user_replay_fixture" },
            ["messages"] = copy,
        };
    }

    private static JsonObject Title(string userText) => new()
    {
        ["model"] = RoleModelIds.Background,
        ["max_tokens"] = 32000,
        ["stream"] = true,
        ["system"] = new JsonArray(Text("Generate a concise, sentence-case title for this coding session. Return JSON with a single \"title\" field.")),
        ["messages"] = new JsonArray(User(Text(userText))),
        ["metadata"] = new JsonObject { ["user_id"] = "user_replay_fixture" },
    };

    private static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };

    private static JsonObject User(JsonObject block) => new() { ["role"] = "user", ["content"] = new JsonArray(block) };

    private static JsonObject Assistant(string text) => new() { ["role"] = "assistant", ["content"] = new JsonArray(Text(text)) };
}
