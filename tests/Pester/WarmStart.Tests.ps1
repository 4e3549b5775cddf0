# Stop-AnyClaude -Forget deletes the warm-start files (issue 20); the launch side is in WarmStart.Tui.Tests.ps1.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    Import-Module (Get-BuiltModulePath) -Force
}

AfterAll {
    Reset-AnyClaudeSession
    Exit-IsolatedEnvironment $saved
}

Describe 'Stop-AnyClaude -Forget' {
    It 'deletes the remembered session heads, with or without a running proxy, and leaves the rest of the state folder' {
        $warm = Join-Path $env:ANYCLAUDE_STATE_DIR 'warm'
        New-Item -ItemType Directory -Force $warm | Out-Null
        Set-Content (Join-Path $warm 'head-0123456789abcdef.json') '{"version":1}'
        Set-Content (Join-Path $env:ANYCLAUDE_STATE_DIR 'keep.txt') 'other state'
        Stop-AnyClaude -Forget -Verbose 4>&1 | Out-String | Should -Match 'Forgot 1 remembered session head'
        Test-Path $warm | Should -BeFalse
        Test-Path (Join-Path $env:ANYCLAUDE_STATE_DIR 'keep.txt') | Should -BeTrue
        { Stop-AnyClaude -Forget } | Should -Not -Throw -Because 'nothing to forget is not an error'
    }

    It '-WhatIf deletes nothing' {
        $warm = Join-Path $env:ANYCLAUDE_STATE_DIR 'warm'
        New-Item -ItemType Directory -Force $warm | Out-Null
        Set-Content (Join-Path $warm 'head-fedcba9876543210.json') '{"version":1}'
        Stop-AnyClaude -Forget -WhatIf
        Test-Path (Join-Path $warm 'head-fedcba9876543210.json') | Should -BeTrue
    }

    It 'Start-AnyClaude has -NoPrewarm and the config file takes "warmStart"' {
        (Get-Command Start-AnyClaude).Parameters.ContainsKey('NoPrewarm') | Should -BeTrue
        '{ "warmStart": "sometimes" }' | Set-Content $env:ANYCLAUDE_CONFIG
        { Get-AnyClaudeMode } | Should -Throw -ExpectedMessage '*warmStart*true or false*'
        '{ "warmStart": false }' | Set-Content $env:ANYCLAUDE_CONFIG
        { Get-AnyClaudeMode } | Should -Not -Throw
        Remove-Item $env:ANYCLAUDE_CONFIG
    }
}
