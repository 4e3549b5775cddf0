using System.Diagnostics;
using System.Runtime.CompilerServices;
using AnyClaude.Diagnostics.Checks;
using AnyClaude.Diagnostics.Http;
using AnyClaude.Proxy.Backends;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics;

/// <summary>Runs every check of one backend in order and yields each result as soon as it is known.</summary>
public static class BackendCheckRunner
{
    /// <summary>Modes whose backend speaks OpenAI Chat Completions: the ones these checks understand.</summary>
    public static bool Supports(BackendMode mode) =>
        mode is BackendMode.LmStudio or BackendMode.MlxLm or BackendMode.OpenAICompatible;

    public static async IAsyncEnumerable<CheckResult> RunAsync(
        BackendCheckOptions options,
        IProgress<DiagnosticProgress>? progress = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var mode = options.Backend.Mode;
        var checks = CreateChecks();
        if (!Supports(mode))
        {
            foreach (var check in checks)
                yield return new CheckResult(mode, check.Name, CheckStatus.Skipped,
                    $"{mode} is not an OpenAI-compatible local backend; these checks cover LmStudio, MlxLm and OpenAICompatible", null, TimeSpan.Zero);
            yield break;
        }

        using var http = new BackendHttp(options.ConnectTimeout);
        var context = new CheckContext(options, http);
        var activity = $"Testing {mode} at {options.Backend.BaseUrl}";
        for (var i = 0; i < checks.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var check = checks[i];
            progress?.Report(new DiagnosticProgress(activity, check.Description, i * 100 / checks.Count));
            var clock = Stopwatch.StartNew();
            var outcome = Blocker(check, context) is { } reason
                ? CheckOutcome.Skip(reason)
                : await RunCheckAsync(check, context, cancellationToken).ConfigureAwait(false);
            yield return new CheckResult(mode, check.Name, outcome.Status, outcome.Detail, outcome.Advice, clock.Elapsed);
        }
        progress?.Report(new DiagnosticProgress(activity, "Done", 100));
    }

    /// <summary>Runs all checks and collects the results.</summary>
    public static async Task<IReadOnlyList<CheckResult>> RunAllAsync(BackendCheckOptions options, CancellationToken cancellationToken = default)
    {
        var results = new List<CheckResult>();
        await foreach (var r in RunAsync(options, null, cancellationToken).ConfigureAwait(false))
            results.Add(r);
        return results;
    }

    private static List<IBackendCheck> CreateChecks() =>
    [
        new ServerCheck(), new ModelCheck(), new ChatCheck(), new StreamingCheck(),
        new ToolCallCheck(), new PromptCacheCheck(), new ProxyRoundTripCheck(),
    ];

    private static async Task<CheckOutcome> RunCheckAsync(IBackendCheck check, CheckContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await check.RunAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (BackendCallException failure)
        {
            return CheckOutcome.Fail(failure.Message, check.AdviceFor(failure, context));
        }
    }

    // A dead server or an unusable model would make every later check fail the same way, slowly.
    private static string? Blocker(IBackendCheck check, CheckContext context) => check switch
    {
        ServerCheck => null,
        _ when !context.ServerReachable => "skipped: the server did not answer",
        ModelCheck => null,
        _ when !context.ModelUsable => "skipped: the model is not usable",
        _ => null,
    };
}
