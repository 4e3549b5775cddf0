using System.Management.Automation;
using System.Net;
using System.Security;

namespace AnyClaude.Cmdlets.Configuration;

/// <summary>A named secret could not be read: SecretManagement is missing, or Get-Secret failed.</summary>
internal sealed class SecretUnavailableException(string message, string secretName, bool notInstalled, Exception? inner = null)
    : Exception(message, inner)
{
    public string SecretName { get; } = secretName;

    /// <summary>True when no Get-Secret command exists (Microsoft.PowerShell.SecretManagement not installed).</summary>
    public bool NotInstalled { get; } = notInstalled;
}

/// <summary>
/// Reads an API key with SecretManagement's Get-Secret, only when the user named a secret. Runs on the pipeline
/// thread (it invokes PowerShell). Any Get-Secret command in scope is used, so tests can define a function.
/// </summary>
internal static class SecretReader
{
    private const string GetSecret = "Get-Secret";

    public static string Read(PSCmdlet cmdlet, string secretName, string setting)
    {
        var command = cmdlet.InvokeCommand.GetCommand(GetSecret, CommandTypes.Cmdlet | CommandTypes.Function | CommandTypes.Alias);
        if (command is null)
        {
            throw new SecretUnavailableException(
                $"{setting} names the secret '{secretName}', but Get-Secret is not available. Install SecretManagement and a vault " +
                "(Install-PSResource Microsoft.PowerShell.SecretManagement, Microsoft.PowerShell.SecretStore; Register-SecretVault), " +
                "store the key with Set-Secret, or give the key in the mode's API key environment variable instead.",
                secretName, notInstalled: true);
        }

        object? value;
        try
        {
            var script = ScriptBlock.Create("param($Name) Get-Secret -Name $Name -AsPlainText -ErrorAction Stop");
            value = cmdlet.InvokeCommand.InvokeScript(false, script, null, secretName).Select(o => o?.BaseObject).FirstOrDefault(o => o is not null);
        }
        catch (RuntimeException e)
        {
            throw new SecretUnavailableException($"{setting}: Get-Secret could not read the secret '{secretName}': {e.Message}", secretName, notInstalled: false, e);
        }

        var text = value switch
        {
            string s => s,
            SecureString secure => new NetworkCredential(string.Empty, secure).Password,
            _ => null,
        };
        if (string.IsNullOrEmpty(text))
        {
            throw new SecretUnavailableException(
                $"{setting}: the secret '{secretName}' is {(value is null ? "empty or missing" : $"a {value.GetType().Name}, not a string")}; store the API key as a string (Set-Secret -Name {secretName} -Secret <key>).",
                secretName, notInstalled: false);
        }

        return text;
    }
}
