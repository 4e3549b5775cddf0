# The real Claude Code TUI (pinned versions, in tmux) shows the proxy's status line that Start-AnyClaude adds
# with --settings, and updates it after a turn. Unix only (tmux); CI installs tmux, so there a missing tmux fails.
BeforeDiscovery {
    $versions = @(($env:ANYCLAUDE_CLAUDE_VERSIONS ?? '2.1.197,2.0.77') -split ',' | Where-Object { $_ })
    $noTmux = $IsWindows -or -not (Get-Command tmux -ErrorAction Ignore)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:claudeCache = $env:ANYCLAUDE_CLAUDE_CACHE ?? (Join-Path $PSScriptRoot '../../.cache/claude-code')
    $script:lmstudio = Start-FakeBackend -Flavor lmstudio -Model 'lm-tui'
    if ($env:CI -eq 'true' -and -not $IsWindows -and -not (Get-Command tmux -ErrorAction Ignore)) { throw 'tmux is required in CI.' }

    function Get-Pane([string] $Session) { (tmux capture-pane -t $Session -p) -join "`n" }
    function Wait-Pane([string] $Session, [string] $Pattern, [int] $Seconds = 90) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            $pane = Get-Pane $Session
            if ($pane -match $Pattern) { return $pane }
            Start-Sleep -Milliseconds 500
        }
        throw "The pane never showed /$Pattern/ within $Seconds s. It shows:`n$(Get-Pane $Session)"
    }
}

AfterAll {
    Stop-FakeBackend $lmstudio
    Exit-IsolatedEnvironment $saved
}

Describe 'Claude Code <_> shows the status line' -ForEach $versions -Tag 'E2E' {
    It 'before the first turn and after it' -Skip:$noTmux {
        $version = $_
        $claude = Join-Path $claudeCache "$version/node_modules/.bin/claude"
        if (-not (Test-Path $claude)) {
            if ($env:CI -eq 'true') { throw "Claude Code $version is not installed in $claudeCache." }
            Set-ItResult -Skipped -Because "Claude Code $version is not installed in $claudeCache (build.ps1 -Task Test installs it)"
            return
        }
        # A private HOME where onboarding is done and the working folder is trusted (Claude Code runs no
        # status-line command in an untrusted folder).
        $root = Join-Path $TestDrive "tui-$version"
        $work = Join-Path $root 'work'
        $config = Join-Path $root 'config'
        New-Item -ItemType Directory -Force $work, $config | Out-Null
        @{ hasCompletedOnboarding = $true; theme = 'dark'; projects = @{ $work = @{ hasTrustDialogAccepted = $true; hasCompletedProjectOnboarding = $true } } } |
            ConvertTo-Json -Depth 5 | Set-Content (Join-Path $config '.claude.json')
        $script = Join-Path $root 'run.ps1'
        Set-Content $script @"
`$env:HOME = '$root'; `$env:CLAUDE_CONFIG_DIR = '$config'; `$env:DISABLE_AUTOUPDATER = '1'
`$env:LMSTUDIO_URL = '$($lmstudio.BaseUrl)'; `$env:ANYCLAUDE_STATE_DIR = '$env:ANYCLAUDE_STATE_DIR'; `$env:ANYCLAUDE_CONFIG = '$env:ANYCLAUDE_CONFIG'
Import-Module '$(Get-BuiltModulePath)'
Set-Location '$work'
Start-AnyClaude LmStudio -Model lm-tui -ClaudePath '$claude'
"@
        $pwsh = (@(Get-PwshCommand) | ForEach-Object { "'$_'" }) -join ' '
        $session = "anyclaude-tui-$PID-$($version -replace '\W', '')"
        tmux new-session -d -s $session -x 160 -y 40 "$pwsh -NoProfile -File '$script'"
        try {
            Wait-Pane $session 'LmStudio · lm-tui · no turn yet · 0 errors' | Out-Null
            # Text, then Enter on its own: typed together, 2.0.77 takes them as a paste and does not submit.
            tmux send-keys -t $session 'say hi'
            Start-Sleep -Seconds 1
            tmux send-keys -t $session Enter
            Wait-Pane $session 'LmStudio · lm-tui · (cached \d+%|prefill \d+\.\ds)( · ctx \d+% of \d+K)?( · [\d.]+ tok/s)? · 0 errors' | Out-Null
        } finally {
            tmux kill-session -t $session 2>$null
        }
    }
}
