# Start/Stop/Get-AnyClaude against the built module and the fake backend.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:lmstudio = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake'
    $script:mlx = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-fake'
    $script:backendEnv = @{ LMSTUDIO_URL = $lmstudio.BaseUrl; MLX_LM_URL = $mlx.BaseUrl }
    function Set-BackendEnvironment { $env:LMSTUDIO_URL = $lmstudio.BaseUrl; $env:MLX_LM_URL = $mlx.BaseUrl }
}

AfterAll {
    Reset-AnyClaudeSession
    Stop-FakeBackend $lmstudio
    Stop-FakeBackend $mlx
    Exit-IsolatedEnvironment $saved
}

Describe 'Start-AnyClaude -NoLaunch' {
    BeforeEach { Reset-AnyClaudeSession; Set-BackendEnvironment; Reset-FakeBackend $lmstudio; Reset-FakeBackend $mlx }

    It 'emits a typed proxy object that serves the Messages API on loopback' {
        $proxy = Start-AnyClaude -NoLaunch -Mode LmStudio
        $proxy | Should -BeOfType 'AnyClaude.Cmdlets.ProxyInfo'
        $proxy.Mode | Should -Be 'LmStudio'
        $proxy.Port | Should -BeGreaterThan 0
        ([Uri]$proxy.BaseUrl).Host | Should -Be '127.0.0.1'
        $proxy.Token | Should -Not -BeNullOrEmpty
        $proxy.ProcessId | Should -Be $PID

        $reply = Send-ProxyMessage -Proxy $proxy -Text 'ping from pester'
        $reply.Text | Should -BeLike 'FAKE-LMSTUDIO*ping from pester*'
        @(Get-FakeRequest $lmstudio -Chat).Count | Should -Be 1
    }

    It 'records requests that Get-AnyClaude -Request emits as typed objects' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        Send-ProxyMessage -Proxy $proxy -Text 'one' | Out-Null
        Send-ProxyMessage -Proxy $proxy -Text 'two' | Out-Null
        $records = @(Get-AnyClaude -Request)
        $records.Count | Should -Be 2
        $records[0] | Should -BeOfType 'AnyClaude.Cmdlets.RequestInfo'
        $records | ForEach-Object { $_.Status | Should -Be 200; $_.Mode | Should -Be 'LmStudio' }
        @(Get-AnyClaude -Request -Last 1).Count | Should -Be 1
    }

    It 'makes Get-AnyClaude return the running proxy, and nothing once stopped' {
        $proxy = Start-AnyClaude -NoLaunch
        (Get-AnyClaude).Port | Should -Be $proxy.Port
        Stop-AnyClaude
        Get-AnyClaude | Should -BeNullOrEmpty
        Test-PortFree $proxy.Port | Should -BeTrue
    }

    It 'reuses the session proxy and switches its mode when asked' {
        $first = Start-AnyClaude -NoLaunch LmStudio
        $second = Start-AnyClaude -NoLaunch MlxLm
        $second.Port | Should -Be $first.Port
        $second.Mode | Should -Be 'MlxLm'
        (Send-ProxyMessage -Proxy $second -Text 'to mlx').Text | Should -BeLike 'FAKE-MLX*'
        @(Get-FakeRequest $mlx -Chat).Count | Should -Be 1
    }

    It 'applies -Model to the backend request' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio -Model 'chosen-model'
        $proxy.Model | Should -Be 'chosen-model'
        Send-ProxyMessage -Proxy $proxy | Out-Null
        $sent = (Get-FakeRequest $lmstudio -Chat)[0].body | ConvertFrom-Json
        $sent.model | Should -Be 'chosen-model'
    }

    It 'listens on the -Port it is given' {
        $port = Get-FreePort
        (Start-AnyClaude -NoLaunch -Port $port).Port | Should -Be $port
    }

    It 'never writes the token in -Verbose output' {
        $verbose = Start-AnyClaude -NoLaunch -Verbose 4>&1
        $proxy = $verbose | Where-Object { $_ -is [AnyClaude.Cmdlets.ProxyInfo] }
        $messages = @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $messages.Count | Should -BeGreaterThan 0
        $messages -join "`n" | Should -Not -Match ([regex]::Escape($proxy.Token))
    }
}

Describe 'Bad input' {
    BeforeEach { Reset-AnyClaudeSession; Set-BackendEnvironment }

    It 'rejects an unknown mode and lists the valid ones' {
        $err = { Start-AnyClaude -NoLaunch -Mode 'no-such-mode' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConfiguration,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'LmStudio'
        $err.Exception.Message | Should -Match 'MlxLm'
        Get-AnyClaude | Should -BeNullOrEmpty
    }

    It 'reports a port in use with an actionable error' {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $port = $listener.LocalEndpoint.Port
            $err = { Start-AnyClaude -NoLaunch -Port $port } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'PortInUse,*'
            $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $err.TargetObject | Should -Be $port
            $err.Exception.Message | Should -Match '-Port'
        } finally {
            $listener.Stop()
        }
    }

    It 'reports an unreachable backend but keeps the proxy for when it comes up' {
        $env:LMSTUDIO_URL = "http://127.0.0.1:$(Get-FreePort)/v1"
        $proxy = Start-AnyClaude -NoLaunch LmStudio -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'BackendUnreachable,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        [string]$problems[0].TargetObject | Should -Be $env:LMSTUDIO_URL
        $proxy.Port | Should -BeGreaterThan 0
    }

    It 'reports a missing Claude Code and leaves no proxy behind' {
        $err = { Start-AnyClaude -ClaudePath (Join-Path $TestDrive 'no-claude-here') } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ClaudeNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-AnyClaude | Should -BeNullOrEmpty
    }
}

Describe 'ShouldProcess' {
    BeforeEach { Reset-AnyClaudeSession; Set-BackendEnvironment }

    It 'Start-AnyClaude -WhatIf starts nothing' {
        Start-AnyClaude -NoLaunch -WhatIf | Should -BeNullOrEmpty
        Get-AnyClaude | Should -BeNullOrEmpty
    }

    It 'Stop-AnyClaude -WhatIf leaves the proxy running' {
        $proxy = Start-AnyClaude -NoLaunch
        Stop-AnyClaude -WhatIf
        (Get-AnyClaude).Port | Should -Be $proxy.Port
        Test-PortFree $proxy.Port | Should -BeFalse
    }

    It 'Set-AnyClaudeMode -WhatIf changes neither the proxy nor the environment' {
        Start-AnyClaude -NoLaunch LmStudio | Out-Null
        Set-AnyClaudeMode MlxLm -WhatIf
        (Get-AnyClaude).Mode | Should -Be 'LmStudio'
        $env:ANYCLAUDE_MODE | Should -BeNullOrEmpty
    }
}

Describe 'Stop-AnyClaude' {
    BeforeEach { Reset-AnyClaudeSession; Set-BackendEnvironment; Reset-FakeBackend $lmstudio }

    It 'emits a summary of what the proxy served with -PassThru' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        Send-ProxyMessage -Proxy $proxy | Out-Null
        Send-ProxyMessage -Proxy $proxy | Out-Null
        $summary = Stop-AnyClaude -PassThru
        $summary | Should -BeOfType 'AnyClaude.Cmdlets.SessionSummary'
        $summary.Requests | Should -Be 2
        $summary.Errors | Should -Be 0
        $summary.OutputTokens | Should -BeGreaterThan 0
        $summary.ByMode.Mode | Should -Be 'LmStudio'
        $summary.ExitCode | Should -BeNullOrEmpty
    }

    It 'counts only tokens a backend processed, keeps LM Studio''s unknown cache figures $null and shows kinds' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        Send-ProxyMessage -Proxy $proxy -Text ('a long first prompt ' * 200) | Out-Null
        Send-ProxyMessage -Proxy $proxy -Text 'a title please' -Model 'anyclaude-background' | Out-Null
        # A request the backend rejects: the proxy's own estimate of its prompt is no work a backend did.
        Invoke-RestMethod -Method Post "$($lmstudio.Root)/_fake/script" -Body '{"status":500,"message":"boom"}' -ContentType 'application/json' | Out-Null
        # Refused before any byte of the answer: an HTTP error, not a stream (Claude Code shows it at once).
        { Send-ProxyMessage -Proxy $proxy -Text ('a long first prompt ' * 200) } | Should -Throw -ExpectedMessage '*502*'
        $requests = @(Get-AnyClaude -Request)
        $requests.Kind | Should -Be @('Main', 'Background', 'Main')
        $requests[0].CachedTokens | Should -BeNullOrEmpty
        $requests[0].CacheHitRatio | Should -BeNullOrEmpty
        $requests[0].CacheNote | Should -Match 'no cached tokens'
        $requests[0].EstimatedCachedTokens | Should -Not -BeNullOrEmpty -Because 'a cold prompt sets the rate; its own estimate is about 0'
        ($requests | Format-Table | Out-String) | Should -Match 'Background'

        $summary = Stop-AnyClaude -PassThru
        $summary.Errors | Should -Be 1
        $summary.InputTokens | Should -Be ($requests[0].InputTokens + $requests[1].InputTokens)
        $summary.CachedTokens | Should -BeNullOrEmpty
        $summary.CacheHitRatio | Should -BeNullOrEmpty
        $summary.EstimatedCacheHitRatio | Should -Not -BeNullOrEmpty
        ($summary.ByKind | Where-Object Kind -eq 'Main').Requests | Should -Be 2
        ($summary.ByKind | Where-Object Kind -eq 'Background').Requests | Should -Be 1
        ($summary | Format-List | Out-String) | Should -Match 'estimated'
    }

    It 'does nothing when no proxy runs' {
        { Stop-AnyClaude -ErrorAction Stop } | Should -Not -Throw
    }
}

Describe 'Cleanup' {
    BeforeEach { Reset-AnyClaudeSession; Set-BackendEnvironment }

    It 'Remove-Module stops the proxy and frees its port' {
        $proxy = Start-AnyClaude -NoLaunch
        Test-PortFree $proxy.Port | Should -BeFalse
        Remove-Module AnyClaude
        try {
            Test-PortFree $proxy.Port | Should -BeTrue
        } finally {
            Import-Module (Get-BuiltModulePath) -Force
        }
        Get-AnyClaude | Should -BeNullOrEmpty
    }

    It 'exiting pwsh stops the proxy and frees its port' {
        $result = Invoke-ChildPwsh -Environment $backendEnv -Script @'
Import-Module $ModulePath
(Start-AnyClaude -NoLaunch).Port
'@
        $result.ExitCode | Should -Be 0
        $port = [int]($result.StdOut.Trim() -split "`n")[-1]
        $port | Should -BeGreaterThan 0
        Test-PortFree $port | Should -BeTrue
    }
}
