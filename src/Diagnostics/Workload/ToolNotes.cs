namespace AnyClaude.Diagnostics.Workload;

/// <summary>Usage notes appended to tool descriptions (our own words) until the tools reach the measured size.
/// Real agent tools carry long usage notes like these; {0} is the tool's name.</summary>
internal static class ToolNotes
{
    public static IReadOnlyList<string> Templates { get; } =
    [
        "{0} output longer than 30000 characters is truncated; narrow the request instead of repeating it.",
        "Call {0} in parallel with other independent lookups in the same turn when that saves a round trip.",
        "Paths passed to {0} must be absolute; relative paths are resolved against the working directory and may surprise the user.",
        "If {0} fails, read the error message and adjust the arguments instead of retrying the same call.",
        "Prefer {0} over an equivalent shell command: it is faster, safer and its results are easier for the user to review.",
        "Do not use {0} to communicate with the user; write normal text in your answer instead.",
        "When {0} returns nothing, say so plainly rather than guessing what the result would have been.",
        "Results from {0} reflect the file system at the moment of the call; re-run it after changes made by other tools.",
        "Avoid calling {0} with the same arguments twice in a row; the answer will not change.",
        "Large results from {0} cost context: request only the part you need, using limits and filters.",
    ];
}
