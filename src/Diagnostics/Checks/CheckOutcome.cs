using AnyClaude.Diagnostics.Http;

namespace AnyClaude.Diagnostics.Checks;

/// <summary>What a check found; the runner adds mode, name and duration.</summary>
internal readonly record struct CheckOutcome(CheckStatus Status, string Detail, string? Advice = null)
{
    public static CheckOutcome Pass(string detail) => new(CheckStatus.Passed, detail);
    public static CheckOutcome Fail(string detail, string advice) => new(CheckStatus.Failed, detail, advice);
    public static CheckOutcome Warn(string detail, string advice) => new(CheckStatus.Warning, detail, advice);
    public static CheckOutcome Skip(string detail) => new(CheckStatus.Skipped, detail);
}

/// <summary>One diagnostic check.</summary>
internal interface IBackendCheck
{
    string Name { get; }
    /// <summary>Shown while the check runs.</summary>
    string Description { get; }
    /// <summary>Runs the check. A failed backend call may simply throw <see cref="BackendCallException"/>: the runner
    /// turns it into a failure with this check's <see cref="AdviceFor"/>.</summary>
    Task<CheckOutcome> RunAsync(CheckContext context, CancellationToken cancellationToken);

    /// <summary>What to do when a backend call of this check failed: by default, start the server when it could not
    /// be reached, otherwise load the model.</summary>
    string AdviceFor(BackendCallException failure, CheckContext context) => failure.Unreachable
        ? BackendAdvice.StartServer(context.Settings)
        : BackendAdvice.LoadModel(context.Settings, context.Model);
}
