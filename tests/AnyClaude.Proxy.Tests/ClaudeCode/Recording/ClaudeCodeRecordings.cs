using AnyClaude.Proxy.Tests.ClaudeCode.Capture;
using AnyClaude.Proxy.Tests.ClaudeCode.Cli;
using Xunit;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Recording;

/// <summary>
/// Records real Claude Code sessions once per test run (both pinned versions, with and without the
/// attribution line). Nothing is written to the repository: Claude Code's prompts are Anthropic's text,
/// so recordings live only in memory for the run.
/// </summary>
public sealed class ClaudeCodeRecordings : IAsyncLifetime
{
    public const string FirstPrompt = ConversationScript.Marker + ": run `echo one` and then `echo two` with the Bash tool.";
    public const string FollowUpPrompt = "Now summarise what the two commands printed.";

    public static readonly IReadOnlyList<RecordingKey> Keys =
    [
        new(ClaudeCodeCli.Current, true),
        new(ClaudeCodeCli.Current, false),
        new(ClaudeCodeCli.Legacy, true),
        new(ClaudeCodeCli.Legacy, false),
    ];

    /// <summary>2.1.197 left to choose its model: documents how its system prompt then changes across launches.</summary>
    public static readonly RecordingKey DefaultModelKey = new(ClaudeCodeCli.Current, true, ExplicitModel: false);

    private readonly Dictionary<RecordingKey, Task<RecordedSession>> _sessions = [];

    public Task InitializeAsync()
    {
        // Install serially (npm), then record all four sessions side by side: the CLI mostly waits on I/O.
        foreach (var version in ClaudeCodeCli.PinnedVersions)
            ClaudeCodeCli.Executable(version);
        foreach (var key in Keys.Append(DefaultModelKey))
            _sessions[key] = RecordAsync(key);
        // Failures surface per test through Get, with the CLI's output.
        return Task.WhenAll(_sessions.Values.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A recorded session whose runs both succeeded; throws with the CLI's output otherwise.</summary>
    internal RecordedSession Get(RecordingKey key)
    {
        var session = _sessions[key].GetAwaiter().GetResult();
        var failed = session.Runs.FirstOrDefault(r => r.ExitCode != 0 || r.IsError);
        if (failed is not null)
            throw new InvalidOperationException($"Claude Code run failed while recording {key}:\n{failed.Describe()}");
        if (session.MainTurns.Count < 4)
            throw new InvalidOperationException($"Expected at least 4 main-conversation requests (2 tool round trips + a follow-up).\n{session.Describe()}");
        return session;
    }

    internal static async Task<RecordedSession> RecordAsync(RecordingKey key)
    {
        using var server = CaptureServer.Start();
        using var sandbox = new ClaudeSandbox();
        var first = new ClaudeRunOptions
        {
            Version = key.Version,
            Prompt = FirstPrompt,
            BaseUrl = server.BaseUrl,
            Sandbox = sandbox,
            AttributionHeader = key.Attribution,
            Model = key.ExplicitModel ? ClaudeCodeCli.DefaultModel(key.Version) : null,
        };
        var runs = new List<ClaudeRunResult> { await ClaudeCodeCli.RunAsync(first) };
        if (runs[0].ExitCode == 0)
            runs.Add(await ClaudeCodeCli.RunAsync(first with { Prompt = FollowUpPrompt, Continue = true }));
        return new RecordedSession(key, runs, server.Requests);
    }
}

[CollectionDefinition(Name)]
public sealed class ClaudeCodeRecordingsCollection : ICollectionFixture<ClaudeCodeRecordings>
{
    public const string Name = "Claude Code recordings";
}
