using System.Collections.Concurrent;
using System.Management.Automation;
using AnyClaude.Diagnostics;

namespace AnyClaude.Cmdlets.Diagnostics.Pipeline;

/// <summary>
/// Runs engine work on the thread pool and hands its results and progress to the pipeline thread, which alone
/// calls WriteObject / WriteProgress. StopProcessing (Ctrl+C) cancels the work and waits for its cleanup.
/// </summary>
internal sealed class EnginePump : IDisposable
{
    private readonly BlockingCollection<object> _queue = new();
    private readonly CancellationTokenSource _cts = new();
    private Task? _work;

    public CancellationToken Token => _cts.Token;

    /// <summary>Engine progress lands in the queue directly (not through a SynchronizationContext).</summary>
    public IProgress<DiagnosticProgress> Progress => new QueueProgress(_queue);

    /// <summary>Queues an item for the pipeline thread; dropped once the pipeline stopped listening (Ctrl+C).</summary>
    public void Post(object item) => TryPost(_queue, item);

    private static void TryPost(BlockingCollection<object> queue, object item)
    {
        try
        {
            queue.TryAdd(item);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // Completed or disposed after a stop: nobody reads any more.
        }
    }

    /// <summary>Starts work, then dispatches each posted item to onItem on the calling (pipeline) thread until it ends.
    /// Rethrows the work's failure; returns quietly when cancelled.</summary>
    public void Run(Func<CancellationToken, Task> work, Action<object> onItem)
    {
        _work = Task.Run(async () =>
        {
            try
            {
                await work(_cts.Token).ConfigureAwait(false);
            }
            finally
            {
                _queue.CompleteAdding();
            }
        });
        try
        {
            foreach (var item in _queue.GetConsumingEnumerable(_cts.Token))
                onItem(item);
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
            return;
        }
        try
        {
            _work.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
        }
    }

    /// <summary>From StopProcessing: cancel, and give the work a moment to stop private proxies and close sockets.</summary>
    public void Cancel()
    {
        _cts.Cancel();
        try
        {
            _work?.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Cancellation surfaces here; nothing to report after Ctrl+C.
        }
    }

    public void Dispose()
    {
        _cts.Dispose();
        _queue.Dispose();
    }

    /// <summary>A Write-Progress record for an engine progress report.</summary>
    public static ProgressRecord ToRecord(int activityId, DiagnosticProgress p) => new(activityId, p.Activity, p.Status)
    {
        PercentComplete = Math.Clamp(p.PercentComplete, -1, 100),
        RecordType = p.PercentComplete >= 100 ? ProgressRecordType.Completed : ProgressRecordType.Processing,
    };

    private sealed class QueueProgress(BlockingCollection<object> queue) : IProgress<DiagnosticProgress>
    {
        public void Report(DiagnosticProgress value) => TryPost(queue, value);
    }
}
