using System.Management.Automation;
using AnyClaude.Cmdlets.Pipeline;
using AnyClaude.Diagnostics;

namespace AnyClaude.Cmdlets.Diagnostics.Pipeline;

/// <summary>The engine's progress reports as Write-Progress records, queued for the pipeline thread.</summary>
internal static class PipelineProgress
{
    /// <summary>Reports straight into the queue (not through a SynchronizationContext, as Progress&lt;T&gt; would).</summary>
    public static IProgress<DiagnosticProgress> ProgressOf(this AsyncPipeline pipeline, int activityId) => new Reporter(pipeline, activityId);

    private sealed class Reporter(AsyncPipeline pipeline, int activityId) : IProgress<DiagnosticProgress>
    {
        public void Report(DiagnosticProgress value) => pipeline.WriteProgress(new ProgressRecord(activityId, value.Activity, value.Status)
        {
            PercentComplete = Math.Clamp(value.PercentComplete, -1, 100),
            RecordType = value.PercentComplete >= 100 ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        });
    }
}
