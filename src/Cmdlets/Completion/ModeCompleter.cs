using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Cmdlets.Completion;

/// <summary>Completes -Mode with every mode name: the PascalCase ones first, then the aliases users know.</summary>
public sealed class ModeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return Enum.GetNames<BackendMode>()
            .Concat(ModeNames.All.Order(StringComparer.Ordinal))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(name => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, $"AnyClaude mode {name}"))
            .ToArray();
    }
}
