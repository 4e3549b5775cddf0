using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Completion;

/// <summary>Completes -BackgroundRequests: AnswerLocally, Forward, then the modes background requests can be routed to.</summary>
public sealed class BackgroundPolicyCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return new[] { nameof(BackgroundAction.AnswerLocally), nameof(BackgroundAction.Forward) }
            .Concat(Enum.GetValues<BackendMode>().Select(ModeNames.ToEnvironmentName))
            .Where(name => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue,
                name == nameof(BackgroundAction.AnswerLocally) ? "Answer title requests locally, forward the rest"
                : name == nameof(BackgroundAction.Forward) ? "Send background requests where main turns go"
                : $"Route background requests to {name}"))
            .ToArray();
    }
}
