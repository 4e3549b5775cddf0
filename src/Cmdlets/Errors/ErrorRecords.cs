using System.Management.Automation;
using AnyClaude.Cmdlets.Configuration;
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

    public static ErrorRecord RemoteControlFailed(Uri baseUrl, Exception e) =>
        new(new InvalidOperationException(
                $"The AnyClaude proxy at {baseUrl} (another pwsh process) did not accept the mode switch: {e.Message} Check that its pwsh window is still open, or switch there.", e),
            "RemoteControlFailed", ErrorCategory.ConnectionError, baseUrl);
}
