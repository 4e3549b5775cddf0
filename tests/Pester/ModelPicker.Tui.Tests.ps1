# Issue 18: what the real Claude Code TUI (pinned versions, in tmux, started by Start-AnyClaude) shows about the local
# model is true: no "isn't recognized" warning, /model lists the modes and their models by name without a price, an
# arrow-key pick routes the next prompt there, and a sub-agent runs without the auto-mode dialog. Unix only (tmux).
BeforeDiscovery {
    # 2.0.77 has no gateway model discovery and no modelPicker: its picker is not part of issue 18.
    $versions = @(($env:ANYCLAUDE_CLAUDE_VERSIONS ?? '2.1.197,2.0.77') -split ',' | Where-Object { $_ -and $_ -ne '2.0.77' })
    $noTmux = $IsWindows -or -not (Get-Command tmux -ErrorAction Ignore)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:claudeCache = $env:ANYCLAUDE_CLAUDE_CACHE ?? (Join-Path $PSScriptRoot '../../.cache/claude-code')
    $script:lmstudio = Start-FakeBackend -Flavor lmstudio -Model 'qwen/qwen3-coder-30b' -ExtraArgument '--context', '32768'
    $script:mlx = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-community/Qwen3-8B-4bit'
    if ($env:CI -eq 'true' -and -not $IsWindows -and -not (Get-Command tmux -ErrorAction Ignore)) { throw 'tmux is required in CI.' }

    function Get-Pane([string] $Session) { (tmux capture-pane -t $Session -p) -join "`n" }
    function Wait-Pane([string] $Session, [string] $Pattern, [int] $Seconds = 90) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            $pane = Get-Pane $Session
            if ($pane -match $Pattern) { return $pane }
            Start-Sleep -Milliseconds 300
        }
        throw "The pane never showed /$Pattern/ within $Seconds s. It shows:`n$(Get-Pane $Session)"
    }
    function Send-Line([string] $Session, [string] $Text) {
        # Text, then Enter on its own: typed together, Claude Code may take them as a paste and not submit.
        tmux send-keys -t $Session -l $Text
        Start-Sleep -Milliseconds 700
        tmux send-keys -t $Session Enter
    }
    function Wait-FakeChat($Fake, [string] $Text, [int] $Seconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            $hit = Get-FakeRequest $Fake -Chat | Where-Object { $_.body -like "*$Text*" } | Select-Object -First 1
            if ($hit) { return $hit }
            Start-Sleep -Milliseconds 300
        }
        throw "The fake $($Fake.Flavor) backend never received '$Text'."
    }
}

AfterAll {
    Stop-FakeBackend $lmstudio
    Stop-FakeBackend $mlx
    Exit-IsolatedEnvironment $saved
}

Describe 'Claude Code <_>: the /model picker is the switch' -ForEach $versions -Tag 'E2E' {
    It 'names the local routes, routes an arrow-key pick and runs a sub-agent without the auto-mode dialog' -Skip:$noTmux {
        $version = $_
        $claude = Join-Path $claudeCache "$version/node_modules/.bin/claude"
        if (-not (Test-Path $claude)) {
            if ($env:CI -eq 'true') { throw "Claude Code $version is not installed in $claudeCache." }
            Set-ItResult -Skipped -Because "Claude Code $version is not installed in $claudeCache (build.ps1 -Task Test installs it)"
            return
        }
        $started = [DateTime]::UtcNow
        $root = Join-Path $TestDrive "picker-$version"
        $work = Join-Path $root 'work'
        $config = Join-Path $root 'config'
        New-Item -ItemType Directory -Force $work, (Join-Path $config 'cache') | Out-Null
        @{ hasCompletedOnboarding = $true; theme = 'dark'; projects = @{ $work = @{ hasTrustDialogAccepted = $true; hasCompletedProjectOnboarding = $true } } } |
            ConvertTo-Json -Depth 5 | Set-Content (Join-Path $config '.claude.json')
        # The user's own files, which Start-AnyClaude must give back as they were.
        $userCache = '{"baseUrl":"https://gateway.example","fetchedAt":1,"models":[{"id":"claude-user-model"}]}'
        Set-Content (Join-Path $config 'cache/gateway-models.json') $userCache -NoNewline
        Set-Content (Join-Path $config 'settings.json') '{ "model": "claude-sonnet-4-5" }' -NoNewline
        $script = Join-Path $root 'run.ps1'
        # No CLAUDE_CODE_MAX_CONTEXT_TOKENS here: Start-AnyClaude sets it from the backend's window (CompactionEnvironment),
        # and on 2.1.332 that is what keeps the "isn't recognized" warning away (docs/claude-code-footprint.md).
        Set-Content $script @"
`$env:HOME = '$root'; `$env:CLAUDE_CONFIG_DIR = '$config'; `$env:DISABLE_AUTOUPDATER = '1'
`$env:LMSTUDIO_URL = '$($lmstudio.BaseUrl)'; `$env:MLX_LM_URL = '$($mlx.BaseUrl)'; `$env:MLX_LM_MODEL = '$($mlx.Model)'
`$env:ANYCLAUDE_STATE_DIR = '$env:ANYCLAUDE_STATE_DIR'; `$env:ANYCLAUDE_CONFIG = '$env:ANYCLAUDE_CONFIG'
Import-Module '$(Get-BuiltModulePath)'
Set-Location '$work'
Start-AnyClaude LmStudio -Prewarm -ClaudePath '$claude'
'SESSION-ENDED'; Start-Sleep -Seconds 30
"@
        $pwsh = (@(Get-PwshCommand) | ForEach-Object { "'$_'" }) -join ' '
        $session = "anyclaude-picker-$PID-$($version -replace '\W', '')"
        Reset-FakeBackend $lmstudio
        Reset-FakeBackend $mlx
        tmux new-session -d -s $session -x 200 -y 50 "$pwsh -NoProfile -File '$script'"
        try {
            $start = Wait-Pane $session 'LmStudio · .* · no turn yet'
            $start | Should -Not -Match "isn't recognized"

            # A sub-agent: the model calls Claude Code's Agent (Task) tool; no auto-mode dialog stops it.
            Send-Line $session 'AGENT: reply with SUBAGENT-RAN'
            Wait-FakeChat $lmstudio 'reply with SUBAGENT-RAN' | Out-Null
            # 2.1.332 runs it as a background agent ("Agent … finished"), 2.1.197 in the turn (the tool result's reply).
            $done = 'Agent "Sub-agent task" finished|Tool result received'
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ([DateTime]::UtcNow -lt $deadline) {
                $pane = Get-Pane $session
                $pane | Should -Not -Match "Auto mode can't check"
                if ($pane -match $done) { break }
                Start-Sleep -Milliseconds 300
            }
            Get-Pane $session | Should -Match $done
            Wait-Pane $session 'LmStudio · qwen/qwen3-coder-30b · ' | Out-Null
            Start-Sleep -Seconds 2
            $agentRequests = @(Get-FakeRequest $lmstudio -Chat | Where-Object { $_.body -like '*reply with SUBAGENT-RAN*' })
            $agentRequests.Count | Should -BeGreaterOrEqual 2 -Because 'the main turn and the sub-agent both reach the backend'

            # The picker: every local route by name, no price on a local row.
            Send-Line $session '/model'
            $picker = Wait-Pane $session 'MLX-LM · Qwen3-8B-4bit'
            $picker | Should -Match 'LM Studio · loaded model · tools'
            $picker | Should -Match 'LM Studio · qwen3-coder-30b · tools'
            foreach ($line in $picker -split "`n" | Where-Object { $_ -match 'LM Studio ·|MLX-LM ·' }) { $line | Should -Not -Match 'per Mtok' }

            # Down until the MLX-LM model row is the selected one, then Enter.
            $selected = $false
            for ($i = 0; $i -lt 15 -and -not $selected; $i++) {
                tmux send-keys -t $session Down
                Start-Sleep -Milliseconds 400
                $selected = [bool]((Get-Pane $session) -split "`n" | Where-Object { $_ -match '❯.*MLX-LM · Qwen3-8B-4bit' })
            }
            $selected | Should -BeTrue -Because "the arrow keys reach the MLX-LM row:`n$(Get-Pane $session)"
            tmux send-keys -t $session Enter
            # Both ask before they leave a cached conversation's model ("Switch model?"): yes.
            Wait-Pane $session 'Switch model\?|Set model to' 15 | Out-Null
            if ((Get-Pane $session) -match 'Switch model\?') { tmux send-keys -t $session Enter }
            Wait-Pane $session 'Set model to' 15 | Out-Null
            # The pick is saved to settings.json; with -Prewarm the proxy warms the chosen backend with the conversation
            # (max_tokens 1), as it does after /model <mode>'s probe.
            # (The newest request the proxy classed as the main conversation's: on 2.1.332 that can be a side request
            # of the background agent's, so the body is not checked for the first prompt.)
            $warm = { @(Get-FakeRequest $mlx -Chat | Where-Object { ($_.body | ConvertFrom-Json).max_tokens -eq 1 }) }
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ([DateTime]::UtcNow -lt $deadline -and (& $warm).Count -eq 0) { Start-Sleep -Milliseconds 300 }
            $chats = @(Get-FakeRequest $mlx -Chat)
            $chats.Count | Should -Be 1 -Because 'nothing but the prewarm reaches MLX-LM before the next prompt'
            ($chats[0].body | ConvertFrom-Json).max_tokens | Should -Be 1 -Because 'the pick prewarms MLX-LM (max_tokens 1)'
            Send-Line $session 'which model answers PICKED-ROUTE'
            $routed = Wait-FakeChat $mlx 'which model answers PICKED-ROUTE'
            ($routed.body | ConvertFrom-Json).model | Should -Be 'mlx-community/Qwen3-8B-4bit'
            Wait-Pane $session 'MlxLm · mlx-community/Qwen3-8B-4bit' | Out-Null
            # A clean exit, so Start-AnyClaude puts the user's files back.
            Send-Line $session '/exit'
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ([DateTime]::UtcNow -lt $deadline -and -not ((Get-Pane $session) -match 'SESSION-ENDED')) { Start-Sleep -Milliseconds 300 }
            Get-Pane $session | Should -Match 'SESSION-ENDED'
        } finally {
            tmux kill-session -t $session 2>$null
            Write-Host "Claude Code $version picker test: $([int]([DateTime]::UtcNow - $started).TotalSeconds) s"
        }
        # The user's files are as they were (Claude Code saved the pick as "model").
        Get-Content (Join-Path $config 'cache/gateway-models.json') -Raw | Should -Be $userCache
        (Get-Content (Join-Path $config 'settings.json') -Raw | ConvertFrom-Json).model | Should -Be 'claude-sonnet-4-5'
    }
}
