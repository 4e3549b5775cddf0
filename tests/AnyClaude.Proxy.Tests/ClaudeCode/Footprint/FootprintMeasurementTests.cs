using System.Text;
using AnyClaude.Proxy.Tests.ClaudeCode.Capture;
using AnyClaude.Proxy.Tests.ClaudeCode.Cli;
using AnyClaude.Proxy.Tests.ClaudeCode.Recording;
using AnyClaude.Proxy.Tests.ClaudeCode.Stability;
using Xunit;
using Xunit.Abstractions;

namespace AnyClaude.Proxy.Tests.ClaudeCode.Footprint;

/// <summary>
/// Measures what Claude Code really sends (the figures in docs/claude-code-footprint.md) and keeps
/// <see cref="PinnedVersionFootprints"/> and the product's ClaudeCodeFootprint honest: run with --logger "console;verbosity=detailed" to see the table.
/// </summary>
[Collection(ClaudeCodeRecordingsCollection.Name)]
[Trait("Category", "ClaudeCode")]
public sealed class FootprintMeasurementTests(ClaudeCodeRecordings recordings, ITestOutputHelper output)
{
    public static TheoryData<string> Versions() => new(ClaudeCodeCli.PinnedVersions);

    [Theory]
    [MemberData(nameof(Versions))]
    public void System_prompt_and_tools_match_the_measured_footprint(string version)
    {
        var session = recordings.Get(new RecordingKey(version, Attribution: true));
        var first = RequestFootprint.Measure(session.MainTurns[0]);
        var last = RequestFootprint.Measure(session.MainTurns[^1]);

        output.WriteLine($"Claude Code {version}, first main-conversation request (#{session.MainTurns[0].Sequence}):");
        output.WriteLine($"  body {first.BodyBytes} B; max_tokens {first.MaxTokens}");
        output.WriteLine($"  tools {first.ToolCount}, tools JSON {first.ToolsJsonBytes} B = {first.ToolsTokens} tokens");
        output.WriteLine($"  system {first.SystemBytes} B = {first.SystemTokens} tokens");
        output.WriteLine($"  role:system messages {first.SystemMessageCount}, {first.SystemMessageBytes} B = {first.SystemMessageTokens} tokens");
        output.WriteLine($"  system + tools = {first.SystemPlusToolsTokens} tokens (O200k)");
        output.WriteLine($"  last main request (#{session.MainTurns[^1].Sequence}, {session.MainTurns.Count} main turns): body {last.BodyBytes} B");
        foreach (var shape in Enum.GetValues<BackendShape>())
        {
            var translated = TranslatedTokens(session.MainTurns[0], shape);
            output.WriteLine($"  first request as {shape}: {translated.Bytes} B = {translated.Tokens} tokens");
        }
        WriteSideRequests(session);
        WriteHeaders(session);

        Assert.True(first.ToolCount >= 10, $"expected Claude Code's full tool set, got {first.ToolCount}");
        Assert.True(first.SystemTokens > 1000, $"system prompt suspiciously small: {first.SystemTokens} tokens");
        var expected = PinnedVersionFootprints.SystemPlusToolsTokens(version);
        // The system prompt embeds the date and the sandbox paths, so allow a little drift.
        Assert.InRange(first.SystemPlusToolsTokens, expected * 95 / 100, expected * 105 / 100);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void First_request_as_sent_to_LM_Studio_matches_the_measured_footprint(string version)
    {
        var session = recordings.Get(new RecordingKey(version, Attribution: true));
        var (bytes, tokens) = TranslatedTokens(session.MainTurns[0], BackendShape.LmStudioChat);
        output.WriteLine($"Claude Code {version}: first request as LM Studio receives it: {bytes} B = {tokens} tokens (O200k)");
        var expected = PinnedVersionFootprints.FirstTurnTokens(version);
        Assert.InRange(tokens, expected * 95 / 100, expected * 105 / 100);
    }

    private static (int Bytes, int Tokens) TranslatedTokens(CapturedRequest request, BackendShape shape)
    {
        var parts = BackendTranslation.Translate(request.Body, shape);
        return (Encoding.UTF8.GetByteCount(parts.Body), RequestFootprint.CountTokens(parts.Body));
    }

    private void WriteSideRequests(RecordedSession session)
    {
        output.WriteLine($"  side requests: {session.SideRequests.Count}");
        foreach (var group in session.SideRequests
                     .GroupBy(r => (r.Model, r.ToolCount))
                     .OrderBy(g => g.Key.Model, StringComparer.Ordinal).ThenBy(g => g.Key.ToolCount))
        {
            var sizes = group.Select(r => r.Body.Length).ToList();
            output.WriteLine($"    {group.Count()}× model {group.Key.Model}, {group.Key.ToolCount} tools, body {sizes.Min()}–{sizes.Max()} B");
        }
        var other = session.Requests.Where(r => !r.IsMessages).GroupBy(r => $"{r.Method} {r.Path}");
        foreach (var group in other)
            output.WriteLine($"    {group.Count()}× {group.Key}");
    }

    private void WriteHeaders(RecordedSession session)
    {
        var main = session.MainTurns[0];
        // Header names only, plus the values that matter for routing; never the credentials.
        output.WriteLine("  headers: " + string.Join(", ", main.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase)));
        foreach (var name in new[] { "anthropic-version", "anthropic-beta", "user-agent", "x-app" })
            output.WriteLine($"    {name}: {main.Header(name) ?? "(absent)"}");
        output.WriteLine($"    x-claude-code-session-id: {(main.Header("x-claude-code-session-id") is null ? "absent" : "present")}");
        output.WriteLine($"    auth: {(main.Header("authorization")?.StartsWith("Bearer ", StringComparison.Ordinal) == true ? "Authorization: Bearer" : "other")}");
    }
}
