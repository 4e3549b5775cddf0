using System.Collections.Concurrent;
using System.Management.Automation;

namespace AnyClaude.Cmdlets.Pipeline;

/// <summary>
/// The base of every cmdlet that waits on the network or on engine work (as jborean93/PowerShell-Ansible.Debugger's
/// AsyncPSCmdlet): the work runs on the thread pool with <see cref="PipelineStopToken"/>, which Ctrl+C
/// (StopProcessing) cancels at once; whatever it writes is queued and written by the pipeline thread, which alone
/// touches PowerShell. Unlike AsyncPSCmdlet, a cmdlet's own code stays on the pipeline thread (ShouldProcess,
/// Get-Secret, session state need it) and hands only its waits to <see cref="Await{T}"/>.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet, IDisposable
{
    /// <summary>How long a stopped cmdlet lets its cancelled work clean up (stop a private proxy, close its sockets)
    /// before the prompt returns; cancelled work ends in milliseconds, this only bounds work that ignores the token.</summary>
    private static readonly TimeSpan s_cleanup = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = new();

    private protected AsyncCmdlet()
    {
    }

    /// <summary>Cancelled by Ctrl+C. (PowerShell 7.6 has Cmdlet.PipelineStopToken; the module supports 7.4.)</summary>
    private protected CancellationToken PipelineStopToken => _stop.Token;

    protected sealed override void StopProcessing() => _stop.Cancel();

    /// <summary>Runs <paramref name="work"/> on the thread pool and writes what it queues on <see cref="AsyncPipeline"/>
    /// here, on the pipeline thread, until it ends; returns its result or rethrows its failure. Ctrl+C cancels the
    /// work's token and ends the cmdlet with PipelineStoppedException at once, without waiting for any answer.</summary>
    private protected T Await<T>(Func<AsyncPipeline, CancellationToken, Task<T>> work)
    {
        if (_stop.IsCancellationRequested) throw new PipelineStoppedException();
        var queue = new BlockingCollection<Action>();
        // Its own token, so a write that ends the cmdlet (-ErrorAction Stop, a stopped pipeline) also ends the work.
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var pipeline = new AsyncPipeline(this, queue, cancel.Token);
        var task = Task.Run(async () =>
        {
            try
            {
                return await work(pipeline, cancel.Token).ConfigureAwait(false);
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, CancellationToken.None);

        try
        {
            foreach (var write in queue.GetConsumingEnumerable(_stop.Token))
            {
                write();
            }

            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            EndWork(cancel, task);
            throw new PipelineStoppedException();
        }
        catch
        {
            EndWork(cancel, task);
            throw;
        }
        finally
        {
            if (task.IsCompleted)
            {
                // Else the work still holds them; it stops posting once the queue is complete.
                queue.Dispose();
                cancel.Dispose();
            }
        }
    }

    /// <summary><see cref="Await{T}"/> for work without a result.</summary>
    private protected void Await(Func<AsyncPipeline, CancellationToken, Task> work) =>
        Await<bool>(async (pipeline, cancellationToken) =>
        {
            await work(pipeline, cancellationToken).ConfigureAwait(false);
            return true;
        });

    private static void EndWork(CancellationTokenSource cancel, Task task)
    {
        cancel.Cancel();
        try
        {
            task.Wait(s_cleanup);
        }
        catch (AggregateException)
        {
            // The work's cancellation or failure: the cmdlet is ending anyway, with the exception that ended it.
        }
    }

    public void Dispose()
    {
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>What work running under <see cref="AsyncCmdlet"/> writes: queued for the pipeline thread, in order.</summary>
internal sealed class AsyncPipeline
{
    private readonly Cmdlet _cmdlet;
    private readonly BlockingCollection<Action> _queue;
    private readonly CancellationToken _cancellationToken;

    internal AsyncPipeline(Cmdlet cmdlet, BlockingCollection<Action> queue, CancellationToken cancellationToken)
    {
        _cmdlet = cmdlet;
        _queue = queue;
        _cancellationToken = cancellationToken;
    }

    public void WriteObject(object? item) => Post(() => _cmdlet.WriteObject(item));

    public void WriteError(ErrorRecord record) => Post(() => _cmdlet.WriteError(record));

    public void WriteWarning(string message) => Post(() => _cmdlet.WriteWarning(message));

    public void WriteVerbose(string message) => Post(() => _cmdlet.WriteVerbose(message));

    public void WriteProgress(ProgressRecord record) => Post(() => _cmdlet.WriteProgress(record));

    /// <summary>Once the pipeline thread stopped reading (Ctrl+C), the work is told to stop too.</summary>
    private void Post(Action write)
    {
        try
        {
            _queue.Add(write);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            throw new OperationCanceledException("The pipeline stopped.", e, _cancellationToken);
        }
    }
}
