using System.Text.Json.Nodes;
using AnyClaude.Diagnostics.Http;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;

namespace AnyClaude.Diagnostics.Checks;

/// <summary>
/// An Anthropic Messages request through the proxy comes back as a well-formed event stream. The request's model
/// names the mode ("lmstudio", "mlx-lm"), which routes it there without switching a shared proxy.
/// </summary>
internal sealed class ProxyRoundTripCheck : IBackendCheck
{
    public string Name => CheckNames.ProxyRoundTrip;
    public string Description => "Round trip through the proxy";

    public async Task<CheckOutcome> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        ProxyServer? privateProxy = null;
        try
        {
            var endpoint = context.Options.Proxy;
            if (endpoint is null)
            {
                privateProxy = ProxyServer.Start(new ProxyOptions
                {
                    Port = 0,
                    Mode = context.Mode,
                    Backends = new Dictionary<BackendMode, BackendSettings> { [context.Mode] = context.Settings with { Model = context.Model ?? context.Settings.Model } },
                });
                endpoint = new ProxyEndpoint(privateProxy.BaseUrl, privateProxy.Token);
            }
            var client = new AnthropicMessagesClient(context.Http, endpoint.BaseUrl, endpoint.Token);
            var body = new JsonObject
            {
                ["model"] = ModeNames.ToEnvironmentName(context.Mode),
                ["max_tokens"] = 32,
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Reply with the single word: ready" }),
            };
            var m = await client.StreamAsync(body, "anyclaude-diagnostics", context.Options.CompletionTimeout, cancellationToken).ConfigureAwait(false);
            var where = privateProxy is null ? $"the proxy at {endpoint.BaseUrl}" : "a private proxy";
            if (m.Error is not null)
                return CheckOutcome.Fail($"{where} streamed an error: {m.Error}", "Run the other checks of this mode: the backend behind the proxy is failing.");
            if (AnthropicGrammar.Problem(m.Events) is { } problem)
                return CheckOutcome.Fail($"{where} sent a malformed stream: {problem}", "This is a proxy bug: please report it with the output of Get-AnyClaude -Request.");
            if (m.Text.Length == 0 && m.ToolCalls.Count == 0)
                return CheckOutcome.Fail($"{where} returned no content", "Check the backend's log: the model produced nothing.");
            return CheckOutcome.Pass($"{where}: {m.Events.Count} events, first token after {m.TimeToFirstToken?.TotalMilliseconds:0} ms, stop_reason {m.FinishReason}, \"{ChatCheck.Short(m.Text.ToString())}\"");
        }
        catch (ProxyStartException ex)
        {
            return CheckOutcome.Fail($"could not start a private proxy: {ex.Message}", "Free a loopback port or pass a running proxy.");
        }
        finally
        {
            if (privateProxy is not null)
                await privateProxy.StopAsync().ConfigureAwait(false);
        }
    }

    public string AdviceFor(BackendCallException failure, CheckContext context) => failure.Unreachable
        ? "The proxy is not reachable: start it with Start-AnyClaude -NoLaunch, or omit -Proxy to test through a private one."
        : "Run the other checks of this mode: the proxy reported the backend's error.";
}
