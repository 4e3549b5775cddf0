using AnyClaude.Proxy.Tests.ClaudeCode.Capture;
using AnyClaude.Proxy.Tests.ClaudeCode.Cli;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Recording;

/// <summary>Which recording: a CLI version, with or without its attribution line, with --model (as a launcher
/// would pass it) or with the CLI's own default.</summary>
public sealed record RecordingKey(string Version, bool Attribution, bool ExplicitModel = true)
{
    public override string ToString() =>
        $"{Version}{(Attribution ? "" : " CLAUDE_CODE_ATTRIBUTION_HEADER=0")}{(ExplicitModel ? "" : " (no --model)")}";
}

/// <summary>
/// Everything one Claude Code session sent to the capture server: a <c>-p</c> run with two Bash round trips,
/// then a <c>--continue</c> run adding a user turn.
/// </summary>
internal sealed class RecordedSession
{
    public RecordedSession(RecordingKey key, IReadOnlyList<ClaudeRunResult> runs, IReadOnlyList<CapturedRequest> requests)
    {
        Key = key;
        Runs = runs;
        Requests = requests;
        MainTurns = requests.Where(r => r.IsMessages && IsMain(r)).ToList();
        SideRequests = requests.Where(r => r.IsMessages && !IsMain(r)).ToList();
    }

    public RecordingKey Key { get; }
    public IReadOnlyList<ClaudeRunResult> Runs { get; }
    public IReadOnlyList<CapturedRequest> Requests { get; }
    /// <summary>The main conversation's /v1/messages requests (they carry tools and the recording prompt), in order.</summary>
    public IReadOnlyList<CapturedRequest> MainTurns { get; }
    /// <summary>Every other /v1/messages request: titles, path extraction, sub-agent warm-ups.</summary>
    public IReadOnlyList<CapturedRequest> SideRequests { get; }

    public string Describe() => $"recording {Key}: {Requests.Count} requests, {MainTurns.Count} main turns\n"
        + string.Join("\n", Runs.Select(r => r.Describe()));

    private static bool IsMain(CapturedRequest request)
    {
        using var doc = request.Json();
        return ConversationScript.IsMainConversation(doc.RootElement);
    }
}
