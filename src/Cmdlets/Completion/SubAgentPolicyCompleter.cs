using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Completion;

/// <summary>Completes -SubAgentRequests: Forward, then the modes sub-agent requests can be routed to.</summary>
public sealed class SubAgentPolicyCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return Enumerable.Repeat("Forward", 1)
            .Concat(Enum.GetValues<BackendMode>().Select(ModeNames.ToEnvironmentName))
            .Where(name => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue,
                name == "Forward" ? "Send sub-agent requests to this mode's backend" : $"Route sub-agent requests to {name}"))
            .ToArray();
    }
}
