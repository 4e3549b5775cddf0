using System.Text.Json;
using System.Text.Json.Nodes;
using AnyClaude.Diagnostics.Http;

namespace AnyClaude.Diagnostics.Checks;

/// <summary>The model calls a tiny tool it is required to call, with valid JSON arguments. Skipped where tools are not sent.</summary>
internal sealed class ToolCallCheck : IBackendCheck
{
    // Claude Code's most used tool; the command is only asked for, never run.
    internal const string ToolName = "Bash";
    internal const string Command = "echo anyclaude-ready";

    public string Name => CheckNames.ToolCalls;
    public string Description => "Tool calling";

    public async Task<CheckOutcome> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        if (!context.SendsTools)
            return CheckOutcome.Skip($"{context.Mode} is analysis-only here: tools are not sent (Set-AnyClaudeMode {context.Mode} -ToolCalls Native turns them on)");

        var body = context.ChatBody(128, ("user", $"Do not answer in text. Call the {ToolName} tool with the command after RUN:\nRUN: {Command}"));
        body["tools"] = new JsonArray(Tool());
        body["tool_choice"] = "required";
        var m = await context.Backend.StreamAsync(body, context.Options.CompletionTimeout, cancellationToken).ConfigureAwait(false);
        if (m.Error is not null)
            return CheckOutcome.Fail($"the stream reported an error: {m.Error}", BackendAdvice.NoToolSupport(context.Settings));
        var call = m.ToolCalls.FirstOrDefault(c => c.Name == ToolName);
        if (call is null)
        {
            var text = m.Text.ToString();
            var detail = text.Contains(ToolName, StringComparison.Ordinal)
                ? $"the tool call came back as text, not as a tool call: \"{ChatCheck.Short(text)}\""
                : $"no tool call came back (finish_reason {m.FinishReason ?? "none"}, text \"{ChatCheck.Short(text)}\")";
            return CheckOutcome.Fail(detail, BackendAdvice.NoToolSupport(context.Settings));
        }
        var args = call.Arguments.ToString();
        try
        {
            using var parsed = JsonDocument.Parse(args.Length == 0 ? "{}" : args);
        }
        catch (JsonException)
        {
            return CheckOutcome.Fail($"{ToolName} was called with arguments that are not JSON: {ChatCheck.Short(args)}", BackendAdvice.NoToolSupport(context.Settings));
        }
        if (!args.Contains("anyclaude-ready", StringComparison.Ordinal))
            return CheckOutcome.Warn($"{ToolName} was called, but not with the requested command: {ChatCheck.Short(args)}",
                "The model follows tool instructions loosely; a larger or tool-tuned model calls tools more reliably.");
        return CheckOutcome.Pass($"called {ToolName}({ChatCheck.Short(args)}), finish_reason {m.FinishReason}");
    }

    public string AdviceFor(BackendCallException failure, CheckContext context) =>
        failure.Unreachable ? BackendAdvice.StartServer(context.Settings) : BackendAdvice.NoToolSupport(context.Settings);

    private static JsonObject Tool() => new()
    {
        ["type"] = "function",
        ["function"] = new JsonObject
        {
            ["name"] = ToolName,
            ["description"] = "Runs a shell command and returns its output.",
            ["parameters"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["command"] = new JsonObject { ["type"] = "string", ["description"] = "The command to run." } },
                ["required"] = new JsonArray("command"),
            },
        },
    };
}
