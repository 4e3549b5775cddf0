using System.Management.Automation;
using AnyClaude.Cmdlets.Completion;
using AnyClaude.Cmdlets.Configuration;
using AnyClaude.Cmdlets.Errors;
using AnyClaude.Cmdlets.Session;

namespace AnyClaude.Cmdlets.Commands;

/// <summary>
/// <para type="synopsis">Shows the active AnyClaude mode and every mode's effective settings, with where each value came from.</para>
/// <para type="description">For each mode: base URL, model, tool calls and whether an API key is set, each with its source:
/// Parameter, Session (an earlier Set-AnyClaudeMode), Environment (ANYCLAUDE_MODE, LMSTUDIO_URL, MLX_LM_MODEL, ...),
/// ConfigFile (the user's config.json), Default, or Proxy (changed on the running proxy). IsActive marks the mode requests
/// go to: the running proxy's, else the configured one. API keys are never shown.</para>
/// </summary>
/// <example>
/// <code>Get-AnyClaudeMode</code>
/// <para>Lists every mode with its settings and their sources.</para>
/// </example>
/// <example>
/// <code>Get-AnyClaudeMode MlxLm | Format-List *</code>
/// <para>Shows every setting of the MLX-LM mode and where each came from.</para>
/// </example>
/// <example>
/// <code>(Get-AnyClaudeMode | Where-Object IsActive).Mode</code>
/// <para>The name of the active mode.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "AnyClaudeMode")]
[OutputType(typeof(ModeInfo))]
public sealed class GetAnyClaudeModeCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">Only this mode (any name -Mode of Start-AnyClaude accepts).</para>
    /// </summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(ModeCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Mode { get; set; }

    protected override void EndProcessing()
    {
        try
        {
            var config = ConfigResolver.Resolve();
            var only = Mode is null ? (Proxy.Configuration.BackendMode?)null : ConfigResolver.ParseMode(Mode, "-Mode");
            WriteVerbose($"Configuration file: {config.ConfigFilePath}.");
            foreach (var info in ModeInfoFactory.Build(config, ProxySession.Current))
            {
                if (only is null || info.Mode == only.Value.ToString())
                {
                    WriteObject(info);
                }
            }
        }
        catch (ConfigurationException e)
        {
            ThrowTerminatingError(ErrorRecords.Configuration(e));
        }
    }
}
