using System.Management.Automation;
using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Proxy.Control;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Cmdlets.Errors;

/// <summary>ErrorRecords with a stable id, a category, a target and a message that says what to do.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord Configuration(ConfigurationException e) =>
        new(e, "InvalidConfiguration", ErrorCategory.InvalidArgument, e.Target);

    public static ErrorRecord PortInUse(int port, Exception e) =>
        new(new InvalidOperationException(
                $"The proxy could not listen on 127.0.0.1:{port}: {e.Message} Pick another port with -Port (0 picks a free one) or stop the program using it.", e),
            "PortInUse", ErrorCategory.ResourceUnavailable, port);

    /// <summary>The proxy did not start for another reason than a port in use: access denied (Windows http.sys
    /// URL reservations) gets its own id and category, so it is never mistaken for a busy port.</summary>
    public static ErrorRecord ProxyStartFailed(int port, ProxyStartException e) => e.Reason == ProxyStartFailure.AccessDenied
        ? new(new UnauthorizedAccessException(e.Message, e), "PortAccessDenied", ErrorCategory.PermissionDenied, port)
        : new(new InvalidOperationException($"The proxy could not start: {e.Message}", e), "ProxyStartFailed", ErrorCategory.InvalidOperation, port);

    public static ErrorRecord BackendUnreachable(string mode, Uri baseUrl, string problem) =>
        new(new InvalidOperationException(
                $"The {mode} backend at {baseUrl} is not reachable ({problem}). Start it (LM Studio: Developer > Start Server; MLX-LM: mlx_lm.server --port 8081) or point AnyClaude at it with Set-AnyClaudeMode {mode} -BaseUrl <url>."),
            "BackendUnreachable", ErrorCategory.ConnectionError, baseUrl);

    public static ErrorRecord ClaudeNotFound(string searched) =>
        new(new FileNotFoundException(
                $"Claude Code was not found ({searched}). Install it with 'npm install -g @anthropic-ai/claude-code', pass -ClaudePath, or use -NoLaunch to start only the proxy."),
            "ClaudeNotFound", ErrorCategory.ObjectNotFound, searched);

    public static ErrorRecord ClaudeStartFailed(string path, Exception e) =>
        new(new InvalidOperationException(
                $"Claude Code at '{path}' could not be started: {e.Message} Check that it is an executable (npm's claude launcher) or pass another -ClaudePath.", e),
            "ClaudeStartFailed", ErrorCategory.InvalidOperation, path);

    public static ErrorRecord SecretUnavailable(SecretUnavailableException e) =>
        new(e, e.NotInstalled ? "SecretManagementNotInstalled" : "SecretUnavailable",
            e.NotInstalled ? ErrorCategory.NotInstalled : ErrorCategory.ReadError, e.SecretName);

    /// <summary>A control call to another pwsh process's proxy failed (<see cref="ProxyControlClient"/> throws only
    /// <see cref="ProxyControlException"/>): one id, the category and the advice from why it failed.</summary>
    public static ErrorRecord RemoteControlFailed(ProxyState state, string action, ProxyControlException e)
    {
        var (category, advice) = e.Failure switch
        {
            ProxyControlFailure.Unreachable => (ErrorCategory.ConnectionError,
                "Its pwsh window may be closed or its proxy stopped; Get-AnyClaude -All lists the proxies that run."),
            ProxyControlFailure.NoAnswer => (ErrorCategory.OperationTimeout, "Its pwsh may be busy or suspended: switch in that window, or try again."),
            ProxyControlFailure.Refused when e.StatusCode is 401 or 403 => (ErrorCategory.PermissionDenied,
                "Its state file does not match the proxy that listens there: restart AnyClaude in that window."),
            ProxyControlFailure.Refused when e.StatusCode is >= 400 and < 500 => (ErrorCategory.InvalidArgument,
                "Nothing changed there: correct the setting and switch again."),
            ProxyControlFailure.Refused => (ErrorCategory.InvalidOperation, "Try again, or switch in that window."),
            _ => (ErrorCategory.InvalidResult, "It may run another version of AnyClaude: switch in that window, or restart it with this one."),
        };
        return new ErrorRecord(new InvalidOperationException($"{action} failed: {e.Message} {advice}", e), "RemoteControlFailed", category, state.BaseUrl);
    }
}
