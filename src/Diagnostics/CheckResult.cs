using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics;

/// <summary>One check of one backend. Advice says what to do when Status is not Passed.</summary>
public sealed record CheckResult(
    BackendMode Mode,
    string Check,
    CheckStatus Status,
    string Detail,
    string? Advice,
    TimeSpan Duration);

/// <summary>The names of the checks, in the order they run.</summary>
public static class CheckNames
{
    public const string Server = "Server";
    public const string Model = "Model";
    public const string Chat = "Chat";
    public const string Streaming = "Streaming";
    public const string ToolCalls = "ToolCalls";
    public const string PromptCache = "PromptCache";
    public const string ProxyRoundTrip = "ProxyRoundTrip";

    public static IReadOnlyList<string> All { get; } =
        [Server, Model, Chat, Streaming, ToolCalls, PromptCache, ProxyRoundTrip];
}
