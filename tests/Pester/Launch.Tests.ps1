# How Start-AnyClaude launches Claude Code: its environment, the exit code, Ctrl+C. A stand-in 'claude'
# script records what it was given, so these run without npm.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:fake = Start-FakeBackend -Flavor lmstudio -Model 'launch-model'

    function New-StandInClaude([string] $Body) {
        # A 'claude' that runs $Body (sh on Unix, cmd on Windows).
        $path = Join-Path $TestDrive "claude-$([Guid]::NewGuid().ToString('n').Substring(0, 8))"
        if ($IsWindows) {
            $path += '.cmd'
            Set-Content $path "@echo off`r`n$Body"
        } else {
            Set-Content $path "#!/bin/sh`n$Body"
            chmod +x $path
        }
        return $path
    }

    function Read-EnvFile([string] $Path) {
        $vars = @{}
        foreach ($line in Get-Content $Path) {
            $i = $line.IndexOf('=')
            if ($i -gt 0) { $vars[$line.Substring(0, $i)] = $line.Substring($i + 1) }
        }
        return $vars
    }
}

AfterAll {
    Reset-AnyClaudeSession
    Stop-FakeBackend $fake
    Exit-IsolatedEnvironment $saved
}

Describe 'Launching Claude Code' {
    BeforeEach { Reset-AnyClaudeSession; $env:LMSTUDIO_URL = $fake.BaseUrl }
    AfterEach { $env:ANTHROPIC_API_KEY = $null }

    It 'gives claude its own environment pointing at the proxy, and leaves the session''s alone' {
        $envFile = Join-Path $TestDrive 'local-env.txt'
        $claude = New-StandInClaude $(if ($IsWindows) { "set > `"$envFile`"`r`nexit /b 3" } else { "env > '$envFile'`nexit 3" })
        $env:ANTHROPIC_API_KEY = 'sk-ant-user-key'
        $summary = Start-AnyClaude LmStudio -Model 'launch-model' -ClaudePath $claude -PassThru

        $LASTEXITCODE | Should -Be 3
        $summary.ExitCode | Should -Be 3
        $vars = Read-EnvFile $envFile
        $vars['ANTHROPIC_BASE_URL'] | Should -Match '^http://127\.0\.0\.1:\d+$'
        $vars['ANTHROPIC_AUTH_TOKEN'] | Should -Not -BeNullOrEmpty
        $vars['ANTHROPIC_AUTH_TOKEN'] | Should -Not -Be 'sk-ant-user-key'
        $vars.ContainsKey('ANTHROPIC_API_KEY') | Should -BeFalse
        foreach ($name in 'ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL') {
            $vars[$name] | Should -Be 'launch-model'
        }
        # The small/fast and sub-agent roles name themselves, so the proxy can tell their requests' kinds.
        $vars['ANTHROPIC_DEFAULT_HAIKU_MODEL'] | Should -Be 'anyclaude-background'
        $vars['ANTHROPIC_SMALL_FAST_MODEL'] | Should -Be 'anyclaude-background'
        $vars['CLAUDE_CODE_SUBAGENT_MODEL'] | Should -Be 'anyclaude-subagent'
        $vars['CLAUDE_CODE_ATTRIBUTION_HEADER'] | Should -Be '0'
        $vars['CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC'] | Should -Be '1'
        [int]$vars['API_TIMEOUT_MS'] | Should -BeGreaterOrEqual 600000

        $env:ANTHROPIC_API_KEY | Should -Be 'sk-ant-user-key'
        $env:ANTHROPIC_BASE_URL | Should -BeNullOrEmpty
        $env:ANTHROPIC_AUTH_TOKEN | Should -BeNullOrEmpty
        Get-AnyClaude | Should -BeNullOrEmpty -Because 'the proxy it started is stopped when claude exits'
    }

    It 'keeps the user''s key with the proxy in Claude mode and leaves model choice to Claude Code' {
        $envFile = Join-Path $TestDrive 'claude-env.txt'
        $claude = New-StandInClaude $(if ($IsWindows) { "set > `"$envFile`"" } else { "env > '$envFile'" })
        $env:ANTHROPIC_API_KEY = 'sk-ant-user-key'
        Start-AnyClaude Claude -ClaudePath $claude
        $vars = Read-EnvFile $envFile
        $vars.ContainsKey('ANTHROPIC_API_KEY') | Should -BeFalse
        $vars['ANTHROPIC_AUTH_TOKEN'] | Should -Not -Be 'sk-ant-user-key'
        $vars.ContainsKey('ANTHROPIC_MODEL') | Should -BeFalse
        $vars.ContainsKey('CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC') | Should -BeFalse
    }

    It 'keeps every backend API key variable with the proxy: claude and the processes it starts see none' {
        # Claude Code hands its environment to every tool it runs; a key there is a key in any Bash command.
        $names = 'LMSTUDIO_API_KEY', 'MLX_LM_API_KEY', 'ANYCLAUDE_OPENAI_API_KEY', 'ANYCLAUDE_ANTHROPIC_COMPATIBLE_API_KEY'
        try {
            foreach ($name in $names) { Set-Item "env:$name" "secret-$name" }
            $envFile = Join-Path $TestDrive 'keys-env.txt'
            $claude = New-StandInClaude $(if ($IsWindows) { "set > `"$envFile`"" } else { "env > '$envFile'" })
            Start-AnyClaude LmStudio -Model 'launch-model' -ClaudePath $claude
            $vars = Read-EnvFile $envFile
            foreach ($name in $names) {
                $vars.ContainsKey($name) | Should -BeFalse -Because "$name would reach every process Claude Code starts"
                (Get-Item "env:$name").Value | Should -Be "secret-$name" -Because 'the session keeps its own variables'
            }
            (Get-Content $envFile -Raw) | Should -Not -Match 'secret-'
        } finally {
            foreach ($name in $names) { Remove-Item "env:$name" -ErrorAction Ignore }
        }
    }

    It 'passes -ArgumentList through unchanged' {
        $argsFile = Join-Path $TestDrive 'args.txt'
        $claude = New-StandInClaude $(if ($IsWindows) { "echo %* > `"$argsFile`"" } else { "for a in `"`$@`"; do echo `"[`$a]`"; done > '$argsFile'" })
        Start-AnyClaude -ClaudePath $claude -ArgumentList '-p', 'two words', '--output-format', 'json'
        if (-not $IsWindows) {
            Get-Content $argsFile | Should -Be @('[-p]', '[two words]', '[--output-format]', '[json]')
        } else {
            Get-Content $argsFile -Raw | Should -Match 'two words'
        }
    }

    It 'reports a claude that cannot be started and leaves no proxy behind' -Skip:$IsWindows {
        $notExecutable = Join-Path $TestDrive 'claude-not-executable'
        Set-Content $notExecutable 'not a program'
        $err = { Start-AnyClaude -ClaudePath $notExecutable } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ClaudeStartFailed,*'
        $err.TargetObject | Should -Be $notExecutable
        Get-AnyClaude | Should -BeNullOrEmpty
    }

    It 'keeps a proxy it did not start running after claude exits' {
        $proxy = Start-AnyClaude -NoLaunch
        Start-AnyClaude -ClaudePath (New-StandInClaude 'exit 0')
        (Get-AnyClaude).Port | Should -Be $proxy.Port
    }

    It 'ends claude and the proxy when the pipeline is stopped (Ctrl+C)' -Skip:$IsWindows {
        $pidFile = Join-Path $TestDrive 'claude.pid'
        $claude = New-StandInClaude "echo `$`$ > '$pidFile'`nexec sleep 300"
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-BuiltModulePath)'; Start-AnyClaude -ClaudePath '$claude'")
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Test-Path $pidFile) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $claudePid = [int](Get-Content $pidFile)
            Get-AnyClaude | Should -Not -BeNullOrEmpty
            $ps.Stop()
            $async.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(60)) | Should -BeTrue
            # (The id may already belong to another program; what matters is that the stand-in is gone.)
            Get-Process -Id $claudePid -ErrorAction Ignore | Where-Object ProcessName -in 'sleep', 'sh' | Should -BeNullOrEmpty
            Get-AnyClaude | Should -BeNullOrEmpty
        } finally {
            $ps.Dispose()
        }
    }
}
