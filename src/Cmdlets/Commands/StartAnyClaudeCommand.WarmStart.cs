using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Cmdlets.Launch;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Prewarm;
using AnyClaude.Proxy.WarmStart;

namespace AnyClaude.Cmdlets.Commands;

// Start-AnyClaude's warm start: the head of the last session in this folder is sent before Claude Code is up, and the
// newest main turn is remembered when it exits. (A plain comment: the cmdlet's help comes from the other part.)
public sealed partial class StartAnyClaudeCommand
{
    /// <summary>The key of this launch (folder, mode, model, Claude Code version); null when warm start is off, the mode
    /// speaks the Messages API (nothing to warm: Claude, Anthropic-compatible), or the run is headless.</summary>
    private WarmStartKey? WarmStartKey(ProxyServer proxy, string claude, EffectiveConfiguration config)
    {
        if (!config.WarmStart.Value || proxy.ActiveBackend.SpeaksMessagesApi || ClaudeArguments.IsHeadless(ArgumentList))
        {
            return null;
        }

        var backend = proxy.ActiveBackend;
        return new WarmStartKey(SessionState.Path.CurrentFileSystemLocation.ProviderPath, backend.Mode, Model ?? backend.Model, ClaudeVersion.Of(claude));
    }

    /// <summary>Starts the prewarm of what the last session left (not awaited: it yields to Claude Code's first request).</summary>
    private void StartWarm(ProxyServer proxy, WarmStartKey? key)
    {
        if (key is null || WarmStartStore.Load(key) is not { } entry)
        {
            if (key is not null)
            {
                WriteVerbose($"No warm start: nothing remembered for this folder, mode, model and Claude Code {key.ClaudeCodeVersion}.");
            }

            return;
        }

        var resume = ClaudeArguments.Resumes(ArgumentList) && entry.Resumable;
        var reason = resume ? PrewarmReason.Resume : PrewarmReason.WarmStart;
        WriteVerbose($"Warm start ({reason}): sending the {(resume ? "resumed conversation" : "session head")} saved {entry.SavedAt:u} " +
                     $"({WarmStartStore.PathOf(key)}) to {proxy.ActiveBackend.Mode} with max_tokens 1.");
        _ = proxy.PrewarmBodyAsync(proxy.ActiveBackend.Mode, resume ? entry.Body : entry.Head(), reason);
    }

    /// <summary>Remembers the newest main turn of the session that just ended (redacted as traces are).</summary>
    private void RememberWarm(ProxyServer proxy, WarmStartKey? key)
    {
        if (key is null || proxy.LastMainTurn is not { } last)
        {
            return;
        }

        try
        {
            var secrets = proxy.Backends.Select(b => b.ApiKey).Append(proxy.Token).Append(Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY"));
            var path = WarmStartStore.Save(key, last.Body.Span, last.SessionId, secrets);
            if (!Stopping)
            {
                WriteVerbose($"Remembered this session's head for the next start: {path}.");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            if (!Stopping)
            {
                WriteWarning($"Could not remember this session for a warm start: {e.Message}");
            }
        }
    }
}
