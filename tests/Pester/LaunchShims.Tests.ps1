# The launchers Claude Code comes as: npm's claude.ps1 (run through this pwsh) and the native installer's
# claude in ~/.local/bin when it is not on PATH. Stand-ins record what they were given. The Windows command
# lines (claude.cmd through cmd.exe, claude.exe) are unit-tested in xunit (Launch/ClaudeLaunchTests).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:fake = Start-FakeBackend -Flavor lmstudio -Model 'shim-model'
    $script:hostile = @('-p', 'two words', '--flag:value', '-x:y', '--model=a b', 'say "hi" & calc.exe', '100% %PATH%',
        'a^b|c<d>e', "it's ’quoted’", '$HOME `n', '', 'trailing\', 'ünïcødé 日本語')
}

AfterAll {
    Reset-AnyClaudeSession
    Stop-FakeBackend $fake
    Exit-IsolatedEnvironment $saved
}

Describe 'Launching the launchers Claude Code is installed as' {
    BeforeEach { Reset-AnyClaudeSession; $env:LMSTUDIO_URL = $fake.BaseUrl }

    It 'runs claude.ps1 through this pwsh with every argument unchanged and its exit code' {
        $out = Join-Path $TestDrive 'ps1-args.json'
        $folder = Join-Path $TestDrive 'npm dir'
        New-Item -ItemType Directory -Force $folder | Out-Null
        $shim = Join-Path $folder 'claude.ps1'
        Set-Content $shim "@{ args = @(`$args); baseUrl = `$env:ANTHROPIC_BASE_URL; pwsh = [Environment]::ProcessPath } | ConvertTo-Json | Set-Content -LiteralPath '$out'`nexit 5"

        Start-AnyClaude -ClaudePath $shim -ArgumentList $hostile

        $LASTEXITCODE | Should -Be 5
        $seen = Get-Content $out -Raw | ConvertFrom-Json
        @($seen.args) | Should -Be $hostile
        $seen.args.Count | Should -Be $hostile.Count
        $seen.baseUrl | Should -Match '^http://127\.0\.0\.1:\d+$'
        [IO.Path]::GetFileNameWithoutExtension($seen.pwsh) | Should -BeIn 'pwsh', 'dotnet' -Because 'a .ps1 shim runs through pwsh itself'
    }

    It 'finds the native installer''s claude in ~/.local/bin when it is not on PATH' -Skip:$IsWindows {
        $home2 = Join-Path $TestDrive 'home'
        $bin = Join-Path $home2 '.local/bin'
        New-Item -ItemType Directory -Force $bin | Out-Null
        $marker = Join-Path $TestDrive 'local-bin-ran.txt'
        $claude = Join-Path $bin 'claude'
        Set-Content $claude "#!/bin/sh`necho ran > '$marker'`nexit 4"
        chmod +x $claude
        $savedHome, $savedPath = $env:HOME, $env:PATH
        try {
            $env:HOME = $home2
            $env:PATH = '/nonexistent-folder'
            Start-AnyClaude
        } finally {
            $env:HOME, $env:PATH = $savedHome, $savedPath
        }
        $LASTEXITCODE | Should -Be 4
        Get-Content $marker | Should -Be 'ran'
    }

    It 'names PATH and ~/.local/bin when claude is nowhere' {
        $savedHome, $savedPath, $savedProfile = $env:HOME, $env:PATH, $env:USERPROFILE
        try {
            $env:HOME = $env:USERPROFILE = Join-Path $TestDrive 'empty-home'
            $env:PATH = '/nonexistent-folder'
            $err = { Start-AnyClaude } | Should -Throw -PassThru
        } finally {
            $env:HOME, $env:PATH, $env:USERPROFILE = $savedHome, $savedPath, $savedProfile
        }
        $err.FullyQualifiedErrorId | Should -BeLike 'ClaudeNotFound,*'
        $err.Exception.Message | Should -Match ([regex]::Escape('.local'))
        Get-AnyClaude | Should -BeNullOrEmpty
    }
}
