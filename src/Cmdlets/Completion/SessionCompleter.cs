using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using AnyClaude.Proxy.Control;

namespace AnyClaude.Cmdlets.Completion;

/// <summary>Completes -Session with Last and the kept sessions' ids, newest first.</summary>
public sealed class SessionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return ((IEnumerable<string>)["Last"])
            .Concat(SessionFiles.List().Select(s => s.Id))
            .Where(id => id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(id => new CompletionResult(id, id, CompletionResultType.ParameterValue,
                id == "Last" ? "The most recent finished session" : $"Session {id}"))
            .ToArray();
    }
}
