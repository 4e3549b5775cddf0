# Measure-AnyClaudeCache -Replay: a recorded session replayed against fake backends whose caches follow LM Studio's one
# llama.cpp slot and mlx_lm.server's LRU prompt cache. Fixtures/replay-session.jsonl is a trace the proxy recorded at
# TraceLevel Replay for a synthetic Claude-Code-shaped session (workload generator, not Anthropic's prompts; see
# tests/AnyClaude.Proxy.Tests/Diagnostics/ReplaySessions.cs; ReplayRunnerTests checks the fixture stays replayable).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:fixture = Join-Path $PSScriptRoot 'Fixtures/replay-session.jsonl'
    $script:lmstudio = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake' -ExtraArgument '--report-cached-tokens'
    $script:mlx = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-fake'
    # 50 ms per uncached prompt token: the first recorded request takes seconds, long enough to interrupt.
    $script:slow = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-fake' -ExtraArgument '--us-per-token', '50000'
    function Use-Fakes { $env:LMSTUDIO_URL = $lmstudio.BaseUrl; $env:MLX_LM_URL = $mlx.BaseUrl }
}

AfterAll {
    Reset-AnyClaudeSession
    foreach ($fake in $lmstudio, $mlx, $slow) { Stop-FakeBackend $fake }
    $env:LMSTUDIO_URL = $null; $env:MLX_LM_URL = $null
    Exit-IsolatedEnvironment $saved
}

Describe 'Measure-AnyClaudeCache -Replay' {
    BeforeEach { Reset-AnyClaudeSession; Use-Fakes; Reset-FakeBackend $lmstudio; Reset-FakeBackend $mlx; Reset-FakeBackend $slow }

    It 'replays the recorded session against each mode: rows per request, then one comparable line per mode' {
        # Titles forwarded, as before the AnswerLocally default: the one-slot case the issue measured.
        Set-AnyClaudeMode LmStudio -BackgroundRequests Forward
        $out = @(Measure-AnyClaudeCache -Replay $fixture -Mode LmStudio, MlxLm)
        $rows = @($out | Where-Object { $_ -is [AnyClaude.Cmdlets.Diagnostics.ReplayedRequest] })
        $summaries = @($out | Where-Object { $_ -is [AnyClaude.Cmdlets.Diagnostics.ReplayComparison] })

        $out | Should -HaveCount 16
        $out[7] | Should -BeOfType 'AnyClaude.Cmdlets.Diagnostics.ReplayComparison'
        $rows | Should -HaveCount 14
        $kinds = @('Background', 'Main', 'Main', 'Background', 'Main', 'Background', 'Main')
        ($rows | Where-Object Mode -EQ 'LmStudio').Kind | Should -Be $kinds
        ($rows | Where-Object Mode -EQ 'MlxLm').Kind | Should -Be $kinds
        $rows | ForEach-Object { $_.Route | Should -Be 'Proxy'; $_.Error | Should -BeNullOrEmpty; $_.TimeToFirstToken | Should -Not -BeNullOrEmpty }
        @(Get-FakeRequest $lmstudio -Chat) | Should -HaveCount 7
        # MlxLm keeps its default policy: the proxy answers the titles, the backend sees the main turns only.
        @(Get-FakeRequest $mlx -Chat) | Should -HaveCount 4
        ($rows | Where-Object { $_.Mode -eq 'MlxLm' -and $_.Kind -eq 'Background' }).AnsweredByProxy | Should -Be @($true, $true, $true)

        $summaries.Mode | Should -Be @('LmStudio', 'MlxLm')
        $summaries[0].PrefillRatio | Should -BeGreaterThan 2.5 -Because 'each title evicts the conversation from the one slot'
        $summaries[1].PrefillRatio | Should -BeLessOrEqual 1.05
        $summaries | ForEach-Object {
            $_.Line | Should -Match "^$($_.Mode) \(Proxy\): prefill [\d,]+ tokens = [\d.]+x the minimum [\d,]+; waited [\d.]+ s for first tokens over 7 requests \(Main 4: [\d.]+ s, Background 3: [\d.]+ s\)$"
            $_.Kinds.Kind | Should -Be @('Main', 'Background')
            @($_.Kinds | Select-Object -ExpandProperty Count) | Should -Be @(4, 3)
        }
        $summaries[0].TotalPrefillTokens | Should -Be (@(Get-FakeRequest $lmstudio -Chat) | ForEach-Object { $_.promptTokens - $_.cachedTokens } | Measure-Object -Sum).Sum
        ($rows | Format-Table | Out-String) | Should -Match 'Prefill'
        ($summaries | Format-Table | Out-String) | Should -Match 'x Min'
        ($rows | Format-Table | Out-String -Width 200) | Should -Match 'answered by the proxy'
        Get-AnyClaude | Should -BeNullOrEmpty -Because 'the replay uses private proxies and stops them'
    }

    It '-Direct sends the translated requests straight to the backend; -Summary emits only the comparison' {
        $out = @(Measure-AnyClaudeCache -Replay $fixture -Mode MlxLm -Direct -Summary)
        $out | Should -HaveCount 1
        $out[0].Route | Should -Be 'Direct'
        $out[0].Requests | Should -Be 7
        $requests = @(Get-FakeRequest $mlx -Chat)
        $requests | Should -HaveCount 7 -Because 'no proxy answers the titles on the direct route'
        ($requests[1].body | ConvertFrom-Json).messages[0].role | Should -Be 'system'
        $requests | ForEach-Object { ($_.body | ConvertFrom-Json).max_tokens | Should -Be 64 }
    }

    It 'shows $null cached tokens with a labelled estimate where the backend reports none' {
        $plain = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake'
        try {
            $env:LMSTUDIO_URL = $plain.BaseUrl
            $out = @(Measure-AnyClaudeCache -Replay $fixture -Mode LmStudio)
        } finally { Stop-FakeBackend $plain }
        $rows = @($out | Where-Object { $_ -is [AnyClaude.Cmdlets.Diagnostics.ReplayedRequest] })
        $rows | Where-Object { -not $_.AnsweredByProxy } | ForEach-Object {
            $_.CachedTokens | Should -BeNullOrEmpty
            $_.EstimatedCachedTokens | Should -Not -BeNullOrEmpty
            $_.CacheNote | Should -BeLike '*reported no cached tokens*'
        }
        $out[-1].PrefillEstimated | Should -BeTrue
        $out[-1].Line | Should -Match 'tokens \(est\.\) = '
        ($rows | Format-Table | Out-String) | Should -Match '~\d+ est\.'
    }

    It 'replays a session Start-AnyClaude recorded with -TraceLevel Replay, in a file only the user can read' {
        $trace = Join-Path $TestDrive 'recorded.jsonl'
        $proxy = Start-AnyClaude -NoLaunch LmStudio -TracePath $trace -TraceLevel Replay
        Send-ProxyMessage -Proxy $proxy -Text 'first question' | Out-Null
        Send-ProxyMessage -Proxy $proxy -Text "my token is $($proxy.Token)" | Out-Null
        Stop-AnyClaude
        $text = Get-Content $trace -Raw
        $text | Should -Not -Match ([regex]::Escape($proxy.Token))
        $text | Should -Match 'clientRequest'
        if (-not $IsWindows) { (Get-Item $trace).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }

        Reset-FakeBackend $mlx
        $out = @(Measure-AnyClaudeCache -Replay $trace -Mode MlxLm)
        $out | Should -HaveCount 3
        $out[0].Kind | Should -Be 'Main'
        # The replay marks the run (no system prompt here: in the first message) and sends the masked token, never the token.
        ((Get-FakeRequest $mlx -Chat)[1].body | ConvertFrom-Json).messages[-1].content | Should -Match '^\[AnyClaude replay [0-9a-f]{12}\]\nmy token is \[REDACTED\]$'
    }

    It 'says how to record a replayable trace when the trace has no request bodies' {
        $trace = Join-Path $TestDrive 'basic.jsonl'
        $proxy = Start-AnyClaude -NoLaunch LmStudio -TracePath $trace
        Send-ProxyMessage -Proxy $proxy | Out-Null
        Stop-AnyClaude
        Measure-AnyClaudeCache -Replay $trace -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ReplayTraceWithoutBodies,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].ToString() | Should -BeLike '*no recorded request bodies*-TraceLevel Replay*'
        $err[0].ErrorDetails.RecommendedAction | Should -BeLike 'Record a session with Start-AnyClaude -TracePath*'
    }

    It 'reports a missing and a corrupt trace file' {
        Measure-AnyClaudeCache -Replay (Join-Path $TestDrive 'nope.jsonl') -ErrorVariable missing -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'ReplayTraceUnreadable,*'
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'

        $corrupt = Join-Path $TestDrive 'corrupt.jsonl'
        Set-Content $corrupt -Value ((Get-Content $fixture -TotalCount 1), '{"path": "/v1/messages", truncated')
        Measure-AnyClaudeCache -Replay $corrupt -ErrorVariable bad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'ReplayTraceCorrupt,*'
        $bad[0].ToString() | Should -BeLike 'Line 2 of the trace*'
    }

    It 'rejects -TraceLevel without -TracePath' {
        { Start-AnyClaude -NoLaunch -TraceLevel Replay -ErrorAction Stop } | Should -Throw -ErrorId 'TraceLevelWithoutPath,*'
        Get-AnyClaude | Should -BeNullOrEmpty
    }

    It 'writes progress naming each request and its kind' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument((Get-BuiltModulePath)).AddStatement()
            $null = $ps.AddCommand('Measure-AnyClaudeCache').AddParameter('Replay', $fixture).AddParameter('Mode', 'MlxLm').AddParameter('Direct').AddParameter('Verbose')
            $out = @($ps.Invoke())
            $progress = @($ps.Streams.Progress)
            $verbose = @($ps.Streams.Verbose.Message)
        } finally { $ps.Dispose() }
        $out | Should -HaveCount 8
        $progress.StatusDescription | Should -Contain 'Request 1 of 7 (Background)'
        $progress.StatusDescription | Should -Contain 'Request 7 of 7 (Main)'
        $progress[-1].RecordType | Should -Be 'Completed'
        $verbose | Should -Contain '7 recorded requests: 3 Background, 4 Main.'
    }

    It 'stops cleanly when interrupted (Ctrl+C)' {
        $state = Stop-AfterFirstRequest -Fake $slow -Configure {
            param($ps)
            $null = $ps.AddScript("`$env:MLX_LM_URL = '$($slow.BaseUrl)'").AddStatement()
            $null = $ps.AddCommand('Measure-AnyClaudeCache').AddParameter('Replay', $fixture).AddParameter('Mode', 'MlxLm').AddParameter('Direct')
        }
        $state | Should -Be 'Stopped'
        @(Get-FakeRequest $slow -Chat) | Should -HaveCount 1 -Because 'no request is sent after the interruption'
    }
}
