namespace AnyClaude.Diagnostics.Benchmark;

/// <summary>A benchmark turn failed; the message names the turn, the route and the backend's answer.</summary>
public sealed class BenchmarkException(string message, Exception? inner = null) : Exception(message, inner);
