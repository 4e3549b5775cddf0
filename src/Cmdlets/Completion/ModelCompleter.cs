using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using AnyClaude.Cmdlets.Backends;
using AnyClaude.Cmdlets.Configuration;

namespace AnyClaude.Cmdlets.Completion;

/// <summary>Completes -Model with the ids the backend lists at GET {BaseUrl}/models (1.5 s at most, so a
/// stopped backend never freezes the prompt). The backend is the one -Mode / -BaseUrl name, else the active one.</summary>
public sealed class ModelCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var parameters = new ConfigParameters(
                Mode: fakeBoundParameters["Mode"]?.ToString(),
                BaseUrl: fakeBoundParameters["BaseUrl"] is { } url ? new Uri(url.ToString()!, UriKind.Absolute) : null);
            var config = ConfigResolver.Resolve(parameters);
            var prefix = wordToComplete.Trim('\'', '"');
            // A completer runs outside any cmdlet (no StopProcessing to cancel it): the timeout bounds the wait instead.
            var ids = Task.Run(() => BackendModels.GetAsync(config.Active.ToSettings(), BackendModels.CompletionTimeout))
                .GetAwaiter().GetResult();
            return ids
                .Where(id => id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(id => new CompletionResult(Quote(id), id, CompletionResultType.ParameterValue, id))
                .ToArray();
        }
        catch (Exception)
        {
            // Completion must never throw at the prompt: no backend, no suggestions.
            return [];
        }
    }

    private static string Quote(string id) =>
        id.IndexOfAny([' ', '\'', '"', '$', '`', ';', '(', ')', '{', '}', '@', '#', ',']) >= 0 ? $"'{id.Replace("'", "''")}'" : id;
}
