using AnyClaude.Diagnostics.Workload;

namespace AnyClaude.Benchmarks;

/// <summary>Prints the sizes of the synthetic workloads, to check they stay Claude Code-shaped.</summary>
internal static class WorkloadReport
{
    public static int Print()
    {
        var request = ClaudeCodeRequest.Create();
        Console.WriteLine($"request: {request.Length:N0} bytes, tools: {ClaudeCodeRequest.ToolsBytes():N0} bytes");
        foreach (var shape in Enum.GetValues<StreamShape>())
        {
            var stream = OpenAiStream.Create(2000, shape);
            Console.WriteLine($"stream {shape}: {stream.Chunks} chunks ({stream.TextChunks} text, {stream.ToolFragments} tool fragments), {stream.Body.Length:N0} bytes");
        }
        return 0;
    }
}
