# Test-AnyClaudeBackend against the fake backend: every check passing and failing.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    # 200 us per uncached prompt token: LM Studio reports no cached tokens, so its cache shows only as a much faster repeat.
    $script:lmstudio = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake' -ExtraArgument '--us-per-token', '200'
    $script:mlx = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-fake'
    $script:noTools = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake' -ExtraArgument '--tools-unsupported'
    $script:noCache = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-fake' -ExtraArgument '--no-cache'
    $script:smallContext = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake' -ExtraArgument '--context', '8192'

    function Get-Check($Results, [string] $Name) { $Results | Where-Object Check -EQ $Name }
}

AfterAll {
    Reset-AnyClaudeSession
    foreach ($fake in $lmstudio, $mlx, $noTools, $noCache, $smallContext) { Stop-FakeBackend $fake }
    Exit-IsolatedEnvironment $saved
}

Describe 'Test-AnyClaudeBackend' {
    BeforeEach { Reset-AnyClaudeSession }

    It 'passes every check of a healthy LM Studio and emits typed objects in order' {
        $results = @(Test-AnyClaudeBackend LmStudio -BaseUrl $lmstudio.BaseUrl -Model 'lm-fake')

        $results | Should -HaveCount 7
        $results[0] | Should -BeOfType 'AnyClaude.Cmdlets.Diagnostics.BackendCheck'
        $results.Check | Should -Be @('Server', 'Model', 'Chat', 'Streaming', 'ToolCalls', 'PromptCache', 'ProxyRoundTrip')
        foreach ($r in $results) { $r.Status | Should -Be 'Passed' -Because "$($r.Check): $($r.Detail)" }
        $results | ForEach-Object { $_.Duration | Should -BeOfType [double] }
    }

    It 'takes modes from the pipeline and the backends from the environment' {
        $env:LMSTUDIO_URL = $lmstudio.BaseUrl
        $env:MLX_LM_URL = $mlx.BaseUrl
        try {
            $results = @('LmStudio', 'mlx-lm' | Test-AnyClaudeBackend)
        } finally {
            $env:LMSTUDIO_URL = $null; $env:MLX_LM_URL = $null
        }
        $results | Should -HaveCount 14
        ($results | Group-Object Mode).Name | Should -Be @('LmStudio', 'MlxLm')
        (Get-Check ($results | Where-Object Mode -EQ 'MlxLm') 'ToolCalls').Status | Should -Be 'Skipped'
        $failed = @($results | Where-Object Status -EQ 'Failed')
        $failed | Should -HaveCount 0 -Because ($failed | ForEach-Object { "$($_.Mode) $($_.Check): $($_.Detail)" }) -join '; '
    }

    It '-Quiet returns a single $true for a healthy backend' {
        $output = @(Test-AnyClaudeBackend MlxLm -BaseUrl $mlx.BaseUrl -Quiet -Verbose 4>&1)
        $result = @($output | Where-Object { $_ -is [bool] })
        $why = @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '* failed: *' }).Message -join '; '
        $result | Should -HaveCount 1
        $result[0] | Should -BeExactly $true -Because $why
    }

    It 'fails fast with advice when the backend is down, and -Quiet returns $false' {
        $url = "http://127.0.0.1:$(Get-FreePort)/v1"
        $results = @(Test-AnyClaudeBackend MlxLm -BaseUrl $url)

        (Get-Check $results 'Server').Status | Should -Be 'Failed'
        (Get-Check $results 'Server').Advice | Should -BeLike '*mlx_lm.server --model <model> --port*'
        @($results | Where-Object Status -EQ 'Skipped') | Should -HaveCount 6
        Test-AnyClaudeBackend LmStudio -BaseUrl $url -Quiet | Should -BeExactly $false
        $why = @(Test-AnyClaudeBackend LmStudio -BaseUrl $url -Quiet -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $why | Where-Object { $_ -like 'LmStudio Server failed: *' } | Should -HaveCount 1
    }

    It 'fails the model check for a model the server does not have' {
        $results = @(Test-AnyClaudeBackend LmStudio -BaseUrl $lmstudio.BaseUrl -Model 'missing/model')
        (Get-Check $results 'Model').Status | Should -Be 'Failed'
        (Get-Check $results 'Model').Advice | Should -BeLike '*lms load missing/model*'
    }

    It 'fails the tool check when the model has no tool support' {
        $results = @(Test-AnyClaudeBackend LmStudio -BaseUrl $noTools.BaseUrl)
        (Get-Check $results 'ToolCalls').Status | Should -Be 'Failed'
        (Get-Check $results 'Chat').Status | Should -Be 'Passed'
    }

    It 'fails the cache check when MLX-LM does not reuse its cache' {
        $results = @(Test-AnyClaudeBackend MlxLm -BaseUrl $noCache.BaseUrl)
        (Get-Check $results 'PromptCache').Status | Should -Be 'Failed'
        (Get-Check $results 'PromptCache').Advice | Should -Not -BeNullOrEmpty
    }

    It 'warns when the context window is smaller than Claude Code needs' {
        $results = @(Test-AnyClaudeBackend LmStudio -BaseUrl $smallContext.BaseUrl)
        (Get-Check $results 'Model').Status | Should -Be 'Warning'
        (Get-Check $results 'Model').Advice | Should -BeLike '*--context-length*'
        Test-AnyClaudeBackend LmStudio -BaseUrl $smallContext.BaseUrl -Quiet | Should -BeExactly $true
    }

    It 'goes through the session proxy when one is running' {
        $env:MLX_LM_URL = $mlx.BaseUrl
        $env:LMSTUDIO_URL = $lmstudio.BaseUrl
        try {
            $proxy = Start-AnyClaude -NoLaunch -Mode LmStudio
            $results = @(Test-AnyClaudeBackend MlxLm)
        } finally { $env:MLX_LM_URL = $null; $env:LMSTUDIO_URL = $null }

        (Get-Check $results 'ProxyRoundTrip').Status | Should -Be 'Passed'
        (Get-Check $results 'ProxyRoundTrip').Detail | Should -BeLike "*$($proxy.BaseUrl.ToString().TrimEnd('/'))*"
        @(Get-AnyClaude -Request | Where-Object Mode -EQ 'MlxLm').Count | Should -BeGreaterThan 0
        (Get-AnyClaude).Mode | Should -Be 'LmStudio'
    }

    It 'writes progress while it runs, ending with a completed record' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument((Get-BuiltModulePath)).AddStatement()
            $null = $ps.AddCommand('Test-AnyClaudeBackend').AddParameter('Mode', 'MlxLm').AddParameter('BaseUrl', $mlx.BaseUrl)
            $out = @($ps.Invoke())
            $progress = @($ps.Streams.Progress)
        } finally { $ps.Dispose() }

        $out | Should -HaveCount 7
        $progress.StatusDescription | Should -Contain 'Prompt cache'
        $progress.StatusDescription | Should -Contain 'Round trip through the proxy'
        $progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'reports an unknown mode as a configuration error' {
        Test-AnyClaudeBackend 'no-such-mode' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidConfiguration*'
    }

    It 'formats as a table and exports cleanly' {
        $results = @(Test-AnyClaudeBackend MlxLm -BaseUrl $mlx.BaseUrl)
        ($results | Format-Table | Out-String) | Should -Match 'PromptCache'
        $csv = $results | ConvertTo-Csv | ConvertFrom-Csv
        $csv[0].PSObject.Properties.Name | Should -Be @('Mode', 'Check', 'Status', 'Detail', 'Advice', 'Duration')
        ($results | ConvertTo-Json | ConvertFrom-Json)[0].Status | Should -Be 0
    }
}
