# Invoke-AnyClaudeChecklist: the shipped Pester checklist, passing and failing against the fake backend. Each run is in
# a fresh pwsh, so the checklist's own Pester run never shares state with this one.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:lmstudio = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake'
    # 200 us per uncached prompt token: a cold Claude-Code-sized turn costs about half a second, a cached one almost nothing.
    $script:mlx = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-fake' -ExtraArgument '--us-per-token', '200'
    $script:noCache = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-fake' -ExtraArgument '--no-cache', '--us-per-token', '200'
    $script:noTools = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake' -ExtraArgument '--tools-unsupported'
    $script:pesterPath = Join-Path (Get-Module Pester).ModuleBase 'Pester.psd1'

    function Invoke-Checklist([string] $Arguments) {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pesterPath'
Import-Module `$ModulePath
`$r = Invoke-AnyClaudeChecklist $Arguments -Verbosity None
[pscustomobject]@{
    Type = `$r.GetType().FullName; Result = `$r.Result; Passed = `$r.PassedCount; Failed = `$r.FailedCount
    FailedTests = @(`$r.Failed | ForEach-Object { `$_.ExpandedName })
    Errors = @(`$r.Failed | ForEach-Object { `$_.ErrorRecord | ForEach-Object { `$_.ToString() } })
    Running = [bool](Get-AnyClaude)
} | ConvertTo-Json -Compress
"@
        $run = Invoke-ChildPwsh -Script $script -Environment @{ ANYCLAUDE_CONFIG = (Join-Path $TestDrive 'config.json'); ANYCLAUDE_STATE_DIR = (Join-Path $TestDrive 'state') }
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        ($run.StdOut -split "`n" | Where-Object { $_ -like '{*' } | Select-Object -Last 1) | ConvertFrom-Json
    }
}

AfterAll {
    foreach ($fake in $lmstudio, $mlx, $noCache, $noTools) { Stop-FakeBackend $fake }
    Exit-IsolatedEnvironment $saved
}

Describe 'Invoke-AnyClaudeChecklist' {
    It 'passes against healthy servers, returns Pester''s result and writes a JUnit report' {
        $report = Join-Path $TestDrive 'checklist.junit.xml'
        $r = Invoke-Checklist "-LmStudioUrl $($lmstudio.BaseUrl) -MlxLmUrl $($mlx.BaseUrl) -OutputFormat JUnitXml -OutputPath '$report'"

        $r.Type | Should -Be 'Pester.Run'
        $r.Result | Should -Be 'Passed' -Because ($r.Errors -join '; ')
        $r.Failed | Should -Be 0
        $r.Passed | Should -BeGreaterOrEqual 10
        $r.Running | Should -BeFalse -Because 'a proxy the checklist started is stopped again'
        $xml = [xml](Get-Content $report -Raw)
        $xml.testsuites | Should -Not -BeNullOrEmpty
        @($xml.SelectNodes('//testcase')).Count | Should -Be $r.Passed
    }

    It 'writes an NUnit report on request' {
        $report = Join-Path $TestDrive 'checklist.nunit.xml'
        $r = Invoke-Checklist "-LmStudioUrl $($lmstudio.BaseUrl) -MlxLmUrl $($mlx.BaseUrl) -OutputFormat NUnitXml -OutputPath '$report'"
        $r.Result | Should -Be 'Passed'
        ([xml](Get-Content $report -Raw)).'test-results' | Should -Not -BeNullOrEmpty
    }

    It 'fails the cache item when MLX-LM follow-ups are not served from the cache' {
        $r = Invoke-Checklist "-LmStudioUrl $($lmstudio.BaseUrl) -MlxLmUrl $($noCache.BaseUrl)"
        $r.Result | Should -Be 'Failed'
        $r.FailedTests | Should -HaveCount 1 -Because ($r.Errors -join '; ')
        $r.FailedTests[0] | Should -BeLike 'serves follow-ups from the cache*'
    }

    It 'fails the tool-call item when LM Studio''s model cannot call tools' {
        $r = Invoke-Checklist "-LmStudioUrl $($noTools.BaseUrl) -MlxLmUrl $($mlx.BaseUrl)"
        $r.Result | Should -Be 'Failed'
        $r.FailedTests | Should -Be @('tool calls work') -Because ($r.Errors -join '; ')
    }

    It 'fails the server items when the servers are down' {
        $down = "http://127.0.0.1:$(Get-FreePort)/v1"
        $r = Invoke-Checklist "-LmStudioUrl $down -MlxLmUrl $down"
        $r.Result | Should -Be 'Failed'
        $r.FailedTests | Should -Contain 'the server answers'
    }
}
