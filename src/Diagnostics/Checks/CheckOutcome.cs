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
    Task<CheckOutcome> RunAsync(CheckContext context, CancellationToken cancellationToken);
}
