# Measure-AnyClaudeCache against the fake backend (simulated prefix cache: latency per uncached prompt token).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:lmstudio = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake'
    $script:mlx = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-fake'
    $script:noCache = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-fake' -ExtraArgument '--no-cache'
    # Slow prompt processing (2 ms per uncached token): a cold turn takes seconds, long enough to interrupt.
    $script:slow = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-fake' -ExtraArgument '--us-per-token', '2000'
}

AfterAll {
    Reset-AnyClaudeSession
    foreach ($fake in $lmstudio, $mlx, $noCache, $slow) { Stop-FakeBackend $fake }
    Exit-IsolatedEnvironment $saved
}

Describe 'Measure-AnyClaudeCache' {
    BeforeEach { Reset-AnyClaudeSession }

    It 'emits one row per turn, then a summary, through the proxy' {
        $out = @(Measure-AnyClaudeCache MlxLm -BaseUrl $mlx.BaseUrl -Turns 4)
        $turns = @($out | Where-Object { $_ -is [AnyClaude.Cmdlets.Diagnostics.CacheTurn] })
        $summary = @($out | Where-Object { $_ -is [AnyClaude.Cmdlets.Diagnostics.CacheSummary] })

        $out | Should -HaveCount 5
        $out[-1] | Should -BeOfType 'AnyClaude.Cmdlets.Diagnostics.CacheSummary'
        $turns.Turn | Should -Be @(1, 2, 3, 4)
        $turns | ForEach-Object { $_.Route | Should -Be 'Proxy'; $_.Mode | Should -Be 'MlxLm' }
        $turns[0].CachedTokens | Should -Be 0
        $turns | Select-Object -Skip 1 | ForEach-Object { $_.CacheHitRatio | Should -BeGreaterThan 0.8 }
        $summary[0].HitRatio | Should -BeGreaterThan 0.8
        $summary[0].ColdTimeToFirstToken | Should -BeGreaterThan 0
        @(Get-FakeRequest $mlx -Chat) | Should -HaveCount 4
    }

    It '-Direct sends the same turns straight to the backend' {
        Reset-FakeBackend $mlx
        $summary = Measure-AnyClaudeCache MlxLm -BaseUrl $mlx.BaseUrl -Turns 3 -Direct -Summary
        $summary.Route | Should -Be 'Direct'
        $summary.HitRatio | Should -BeGreaterThan 0.8
        $requests = @(Get-FakeRequest $mlx -Chat)
        $requests | Should -HaveCount 3
        $requests | ForEach-Object { $_.headers.PSObject.Properties.Name | Should -Not -Contain 'x-api-key' }
    }

    It '-Direct at LM Studio (no cached-token reports) shows $null cached figures with a note and a labelled estimate' {
        $out = @(Measure-AnyClaudeCache LmStudio -BaseUrl $lmstudio.BaseUrl -Turns 3 -PromptSize 1000 -Direct)
        $turns = @($out | Where-Object { $_ -is [AnyClaude.Cmdlets.Diagnostics.CacheTurn] })
        $summary = $out[-1]
        $turns | Should -HaveCount 3
        foreach ($t in $turns) {
            $t.CachedTokens | Should -BeNullOrEmpty
            $t.CacheHitRatio | Should -BeNullOrEmpty
            $t.EstimatedCachedTokens | Should -Not -BeNullOrEmpty
            $t.CacheNote | Should -BeLike '*reported no cached tokens*'
        }
        $summary.HitRatio | Should -BeNullOrEmpty
        $summary.EstimatedHitRatio | Should -Not -BeNullOrEmpty
        $summary.CacheNote | Should -BeLike '*EstimatedHitRatio*'
        $table = $turns | Format-Table | Out-String
        $table | Should -Match '~\d+ est\.'
        ($summary | Format-Table | Out-String) | Should -Match '~\d+\s?% est\.'
    }

    It 'through the proxy at LM Studio (no cached-token reports) shows $null cached figures with a note and a labelled estimate' {
        # The proxy sends Claude Code cache_read_input_tokens 0; the figures come from its record, which knows better.
        $out = @(Measure-AnyClaudeCache LmStudio -BaseUrl $lmstudio.BaseUrl -Turns 3 -PromptSize 1000)
        $turns = @($out | Where-Object { $_ -is [AnyClaude.Cmdlets.Diagnostics.CacheTurn] })
        $turns | Should -HaveCount 3
        foreach ($t in $turns) {
            $t.Route | Should -Be 'Proxy'
            $t.CachedTokens | Should -BeNullOrEmpty
            $t.CacheHitRatio | Should -BeNullOrEmpty
            $t.EstimatedCachedTokens | Should -Not -BeNullOrEmpty
            $t.CacheNote | Should -BeLike '*reported no cached tokens*'
        }
        $out[-1].HitRatio | Should -BeNullOrEmpty
        $out[-1].EstimatedHitRatio | Should -Not -BeNullOrEmpty
    }

    It 'through the session''s proxy at LM Studio shows $null cached figures too' {
        $env:LMSTUDIO_URL = $lmstudio.BaseUrl
        try {
            Start-AnyClaude -NoLaunch -Mode LmStudio | Out-Null
            $out = @(Measure-AnyClaudeCache LmStudio -Turns 2 -PromptSize 1000)
        } finally { $env:LMSTUDIO_URL = $null }
        @(Get-AnyClaude -Request | Where-Object Mode -EQ 'LmStudio').Count | Should -BeGreaterThan 0 -Because 'the turns went through the session''s proxy'
        $turns = @($out | Where-Object { $_ -is [AnyClaude.Cmdlets.Diagnostics.CacheTurn] })
        $turns | Should -HaveCount 2
        $turns | ForEach-Object { $_.CachedTokens | Should -BeNullOrEmpty; $_.CacheNote | Should -BeLike '*reported no cached tokens*' }
    }

    It '-Direct at MLX-LM keeps the backend''s own cached counts and shows no estimate' {
        $out = @(Measure-AnyClaudeCache MlxLm -BaseUrl $mlx.BaseUrl -Turns 3 -PromptSize 1000 -Direct)
        $turns = @($out | Where-Object { $_ -is [AnyClaude.Cmdlets.Diagnostics.CacheTurn] })
        $turns[0].CachedTokens | Should -Not -BeNullOrEmpty
        $turns[1].CachedTokens | Should -BeGreaterThan 0
        $turns | ForEach-Object { $_.EstimatedCachedTokens | Should -BeNullOrEmpty; $_.CacheNote | Should -BeNullOrEmpty }
        $out[-1].HitRatio | Should -BeGreaterThan 0.8
        $out[-1].EstimatedHitRatio | Should -BeNullOrEmpty
        ($out | Format-Table | Out-String) | Should -Not -Match 'est\.'
    }

    It 'shows a cache that does not work as a zero hit ratio' {
        $summary = Measure-AnyClaudeCache MlxLm -BaseUrl $noCache.BaseUrl -Turns 3 -PromptSize 2000 -Summary
        $summary.HitRatio | Should -Be 0
    }

    It 'reports a backend that is down as an error naming the turn' {
        $url = "http://127.0.0.1:$(Get-FreePort)/v1"
        Measure-AnyClaudeCache LmStudio -BaseUrl $url -Turns 2 -PromptSize 500 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BenchmarkTurnFailed*'
        $err[0].ToString() | Should -BeLike '*turn 1 (LmStudio, Proxy)*Test-AnyClaudeBackend*'
    }

    It 'pipes into Export-Csv and ConvertTo-Json with flat millisecond values' {
        $rows = @(Measure-AnyClaudeCache LmStudio -BaseUrl $lmstudio.BaseUrl -Turns 2 -PromptSize 1000 | Where-Object Turn)
        $csvPath = Join-Path $TestDrive 'turns.csv'
        $rows | Export-Csv $csvPath
        $csv = @(Import-Csv $csvPath)
        $csv | Should -HaveCount 2
        $csv[0].PSObject.Properties.Name | Should -Contain 'TimeToFirstToken'
        [double]$csv[0].TimeToFirstToken | Should -BeGreaterThan 0
        $json = $rows | ConvertTo-Json | ConvertFrom-Json
        $json[1].PromptTokens | Should -BeGreaterThan $json[0].PromptTokens
        ($rows | Format-Table | Out-String) | Should -Match 'TTFT ms'
    }

    It '-Scenario compares the hybrid MlxLm/LmStudio session with staying in one mode' {
        $env:LMSTUDIO_URL = $lmstudio.BaseUrl
        $env:MLX_LM_URL = $mlx.BaseUrl
        try {
            $out = @(Measure-AnyClaudeCache -Scenario -PromptSize 1500)
        } finally { $env:LMSTUDIO_URL = $null; $env:MLX_LM_URL = $null }
        $turns = @($out | Where-Object { $_ -is [AnyClaude.Cmdlets.Diagnostics.CacheTurn] })
        $comparison = @($out | Where-Object { $_ -is [AnyClaude.Cmdlets.Diagnostics.ScenarioComparison] })

        $turns | Should -HaveCount 15
        ($turns | Where-Object Scenario -EQ 'Hybrid').Mode | Should -Be @('MlxLm', 'MlxLm', 'MlxLm', 'LmStudio', 'MlxLm')
        $comparison.Scenario | Should -Be @('Hybrid', 'MlxLm only', 'LmStudio only')
        $comparison[0].RelativeToHybrid | Should -Be 1
        $comparison | ForEach-Object { $_.TotalDuration | Should -BeGreaterThan 0 }
        Get-AnyClaude | Should -BeNullOrEmpty -Because 'the scenario uses a private proxy and stops it'
    }

    It 'writes progress naming each turn' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument((Get-BuiltModulePath)).AddStatement()
            $null = $ps.AddCommand('Measure-AnyClaudeCache').AddParameter('Mode', 'MlxLm').AddParameter('BaseUrl', $mlx.BaseUrl).AddParameter('Turns', 3).AddParameter('PromptSize', 1000)
            $out = @($ps.Invoke())
            $progress = @($ps.Streams.Progress)
        } finally { $ps.Dispose() }

        $out | Should -HaveCount 4
        $progress.StatusDescription | Should -Contain 'Turn 1 of 3 (MlxLm, cold)'
        $progress.StatusDescription | Should -Contain 'Turn 3 of 3 (MlxLm)'
        $progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'stops cleanly when interrupted (Ctrl+C)' {
        # Interrupted once the first (slow, cold) request reached the backend.
        $state = Stop-AfterFirstRequest -Fake $slow -Configure {
            param($ps)
            $null = $ps.AddCommand('Measure-AnyClaudeCache').AddParameter('Mode', 'MlxLm').AddParameter('BaseUrl', $slow.BaseUrl).AddParameter('Direct').AddParameter('Turns', 5)
        }
        $state | Should -Be 'Stopped'
        @(Get-FakeRequest $slow -Chat) | Should -HaveCount 1 -Because 'no turn is sent after the interruption'
    }
}
