@{
    RootModule             = 'AnyClaude.Cmdlets.dll'
    # The one version: the assemblies take it from here (Directory.Build.props); bump it here only.
    ModuleVersion          = '0.1.0'
    GUID                   = 'c7bdb111-7faa-475c-a7ab-6fa7ce82a84d'
    Author                 = 'AnyClaude for PowerShell contributors'
    CompanyName            = 'AnyClaude for PowerShell contributors'
    Copyright              = '(c) 2026 AnyClaude for PowerShell contributors. MIT License.'
    Description            = 'Run Claude Code on your own models: an in-process proxy that serves the Anthropic Messages API and forwards to LM Studio, mlx_lm.server, any OpenAI-compatible server, or Claude itself.'
    PowerShellVersion      = '7.4'
    CompatiblePSEditions   = @('Core')
    FormatsToProcess       = @('AnyClaude.format.ps1xml', 'AnyClaude.Diagnostics.format.ps1xml')
    CmdletsToExport        = @(
        'Start-AnyClaude'
        'Stop-AnyClaude'
        'Get-AnyClaude'
        'Set-AnyClaudeMode'
        'Get-AnyClaudeMode'
        'Test-AnyClaudeBackend'
        'Measure-AnyClaudeCache'
        'Invoke-AnyClaudeChecklist'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('Claude', 'ClaudeCode', 'Anthropic', 'LMStudio', 'MLX', 'LLM', 'Proxy', 'OpenAI', 'PSEdition_Core', 'Linux', 'MacOS', 'Windows')
            ProjectUri   = 'https://github.com/anyclaude/AnyClaude.PowerShell'
            LicenseUri   = 'https://github.com/anyclaude/AnyClaude.PowerShell/blob/main/LICENSE'
            # Replaced with this version's CHANGELOG.md section by build.ps1 -Task Package.
            ReleaseNotes = 'See https://github.com/anyclaude/AnyClaude.PowerShell/blob/main/CHANGELOG.md'
        }
    }
}
