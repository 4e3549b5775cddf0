# End to end with the real Claude Code CLI (pinned versions from npm, installed by build.ps1 -Task Test into
# .cache/claude-code/<version>) against the fake backends, headless: Start-AnyClaude -ArgumentList '-p', ...
# Each run is a fresh pwsh so claude's stdout (inherited from it) can be read.
BeforeDiscovery {
    $versions = @(($env:ANYCLAUDE_CLAUDE_VERSIONS ?? '2.1.197,2.0.77') -split ',' | Where-Object { $_ })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:claudeCache = $env:ANYCLAUDE_CLAUDE_CACHE ?? (Join-Path $PSScriptRoot '../../.cache/claude-code')
    $script:lmstudio = Start-FakeBackend -Flavor lmstudio -Model 'lm-e2e'
    $script:mlx = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-e2e'

    function Get-ClaudePath([string] $Version) {
        $bin = Join-Path $claudeCache "$Version/node_modules/.bin/claude"
        if ($IsWindows) { $bin += '.cmd' }
        return $bin
    }

    function Invoke-ClaudeScenario {
        # Runs $Script in a fresh pwsh with the module path, the claude path and a private HOME; returns
        # claude's JSON results (one per run) and the scenario's own JSON lines.
        param([string] $Version, [string] $Script)
        $claudeHome = Join-Path $TestDrive "home-$Version-$([Guid]::NewGuid().ToString('n').Substring(0, 8))"
        New-Item -ItemType Directory -Force $claudeHome | Out-Null
        $environment = @{
            CLAUDE = (Get-ClaudePath $Version)
            HOME = $claudeHome; USERPROFILE = $claudeHome; CLAUDE_CONFIG_DIR = (Join-Path $claudeHome '.claude')
            LMSTUDIO_URL = $lmstudio.BaseUrl; MLX_LM_URL = $mlx.BaseUrl
            DISABLE_AUTOUPDATER = '1'
        }
        $run = Invoke-ChildPwsh -Environment $environment -Script ("`$ErrorActionPreference = 'Stop'`nImport-Module `$ModulePath`n" + $Script) -TimeoutSeconds 600
        $lines = @($run.StdOut -split "`r?`n" | Where-Object { $_.StartsWith('{') })
        return [pscustomobject]@{
            Run     = $run
            Results = @($lines | ConvertFrom-Json | Where-Object { $_.PSObject.Properties['type'] -and $_.type -eq 'result' })
            Facts   = @($lines | ConvertFrom-Json | Where-Object { $_.PSObject.Properties['fact'] })
        }
    }

    function Get-ChatBody($Fake) { @(Get-FakeRequest $Fake -Chat | ForEach-Object { $_.body | ConvertFrom-Json }) }
}

AfterAll {
    Stop-FakeBackend $lmstudio
    Stop-FakeBackend $mlx
    Exit-IsolatedEnvironment $saved
}

Describe 'Claude Code <_> through AnyClaude' -ForEach $versions -Tag 'E2E' {
    BeforeAll {
        $script:version = $_
        $script:installed = Test-Path (Get-ClaudePath $version)
    }
    BeforeEach {
        if (-not $installed) { Set-ItResult -Skipped -Because "Claude Code $version is not installed in $claudeCache (build.ps1 -Task Test installs it)" }
        Reset-FakeBackend $lmstudio
        Reset-FakeBackend $mlx
    }

    It 'answers a plain prompt in LmStudio mode and reports the exit code' {
        if (-not $installed) { return }
        $scenario = Invoke-ClaudeScenario $version @'
$summary = Start-AnyClaude LmStudio -ClaudePath $env:CLAUDE -ArgumentList '-p', 'Say hello e2e-plain', '--output-format', 'json' -PassThru
@{ fact = 'summary'; exit = $LASTEXITCODE; requests = $summary.Requests; summaryExit = $summary.ExitCode; proxyLeft = [bool](Get-AnyClaude) } | ConvertTo-Json -Compress
'@
        $scenario.Run.ExitCode | Should -Be 0 -Because $scenario.Run.StdErr
        $scenario.Results.Count | Should -Be 1 -Because $scenario.Run.StdOut
        $scenario.Results[0].is_error | Should -BeFalse
        $scenario.Results[0].result | Should -BeLike 'FAKE-LMSTUDIO*'
        $summary = $scenario.Facts | Where-Object fact -eq 'summary'
        $summary.exit | Should -Be 0
        $summary.summaryExit | Should -Be 0
        $summary.requests | Should -BeGreaterThan 0
        $summary.proxyLeft | Should -BeFalse -Because 'Start-AnyClaude stops the proxy it started'
        $bodies = Get-ChatBody $lmstudio
        $bodies.Count | Should -BeGreaterThan 0
        ($bodies | ConvertTo-Json -Depth 20) | Should -Match 'e2e-plain'
        @(Get-FakeRequest $mlx -Chat).Count | Should -Be 0
    }

    It 'runs a Bash tool round trip that Claude Code really executes, in LmStudio mode' {
        if (-not $installed) { return }
        $scenario = Invoke-ClaudeScenario $version @'
Start-AnyClaude LmStudio -ClaudePath $env:CLAUDE -ArgumentList '-p', 'RUN: echo anyclaude-e2e-marker', '--output-format', 'json', '--allowedTools', 'Bash'
'@
        $scenario.Run.ExitCode | Should -Be 0 -Because $scenario.Run.StdErr
        $scenario.Results.Count | Should -Be 1 -Because $scenario.Run.StdOut
        $scenario.Results[0].result | Should -BeLike 'Tool result received:*anyclaude-e2e-marker*'
        $bodies = Get-ChatBody $lmstudio
        $bodies.Count | Should -BeGreaterOrEqual 2
        # Older versions also send side requests (titles, topic checks) without tools, in any order.
        $withTools = @($bodies | Where-Object { $_.PSObject.Properties['tools'] })
        $withTools.Count | Should -BeGreaterOrEqual 2
        $withTools[0].tools.function.name | Should -Contain 'Bash'
        # The marker only reaches the backend as the output of the command claude ran.
        $toolMessages = @($withTools | ForEach-Object { $_.messages } | Where-Object role -eq 'tool')
        $toolMessages.Count | Should -BeGreaterThan 0
        ($toolMessages.content | Out-String) | Should -Match 'anyclaude-e2e-marker'
    }

    It 'answers analysis-only in MlxLm mode: the backend receives no tools' {
        if (-not $installed) { return }
        $scenario = Invoke-ClaudeScenario $version @'
Start-AnyClaude MlxLm -ClaudePath $env:CLAUDE -ArgumentList '-p', 'Analyse this: e2e-mlx', '--output-format', 'json'
'@
        $scenario.Run.ExitCode | Should -Be 0 -Because $scenario.Run.StdErr
        $scenario.Results.Count | Should -Be 1 -Because $scenario.Run.StdOut
        $scenario.Results[0].result | Should -BeLike 'FAKE-MLX*'
        $bodies = Get-ChatBody $mlx
        $bodies.Count | Should -BeGreaterThan 0
        foreach ($body in $bodies) {
            $body.PSObject.Properties['tools'] | Should -BeNullOrEmpty
            $body.PSObject.Properties['model'] -and $body.model -like 'claude*' | Should -BeFalse -Because 'mlx_lm.server loads any other model name from the hub'
        }
        @(Get-FakeRequest $lmstudio -Chat).Count | Should -Be 0
    }

    It 'switches modes between two runs against one proxy' {
        if (-not $installed) { return }
        $scenario = Invoke-ClaudeScenario $version @'
$proxy = Start-AnyClaude LmStudio -NoLaunch
Start-AnyClaude -ClaudePath $env:CLAUDE -ArgumentList '-p', 'first run e2e-switch', '--output-format', 'json'
Set-AnyClaudeMode MlxLm
Start-AnyClaude -ClaudePath $env:CLAUDE -ArgumentList '-p', 'second run e2e-switch', '--output-format', 'json'
$after = Get-AnyClaude
@{ fact = 'proxy'; before = $proxy.Port; after = $after.Port; mode = $after.Mode; requests = @(Get-AnyClaude -Request).Count } | ConvertTo-Json -Compress
Stop-AnyClaude
'@
        $scenario.Run.ExitCode | Should -Be 0 -Because $scenario.Run.StdErr
        $scenario.Results.Count | Should -Be 2 -Because $scenario.Run.StdOut
        $scenario.Results[0].result | Should -BeLike 'FAKE-LMSTUDIO*'
        $scenario.Results[1].result | Should -BeLike 'FAKE-MLX*'
        $proxy = $scenario.Facts | Where-Object fact -eq 'proxy'
        $proxy.after | Should -Be $proxy.before -Because 'both runs used the one proxy started with -NoLaunch'
        $proxy.mode | Should -Be 'MlxLm'
        ((Get-ChatBody $lmstudio) | ConvertTo-Json -Depth 20) | Should -Match 'first run e2e-switch'
        ((Get-ChatBody $mlx) | ConvertTo-Json -Depth 20) | Should -Match 'second run e2e-switch'
    }
}
