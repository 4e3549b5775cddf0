<#
.SYNOPSIS
    Runs the Pester suites in this (fresh) pwsh and writes the totals as JSON for build.ps1.
    Paths come from ANYCLAUDE_PESTER_PATHS (separated by the platform's path separator).
#>
param(
    [Parameter(Mandatory)][string] $PesterModule,
    [Parameter(Mandatory)][string] $ResultFile
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterModule -Force

$config = New-PesterConfiguration
$config.Run.Path = @($env:ANYCLAUDE_PESTER_PATHS -split [IO.Path]::PathSeparator | Where-Object { $_ })
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Should.ErrorAction = 'Continue'
try {
    $result = Invoke-Pester -Configuration $config
} catch {
    # Pester itself failed (bad path, broken discovery): a failure, never an empty green run.
    Write-Error $_ -ErrorAction Continue
    [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } | ConvertTo-Json | Set-Content $ResultFile
    exit 1
}

# Failures in BeforeAll/AfterAll blocks fail containers, not tests: count them so nothing fails silently.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $failed
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content $ResultFile
exit ([int]($failed -gt 0))
