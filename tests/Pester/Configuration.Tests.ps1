# Configuration precedence (parameter > session > environment > config file > default), the config file,
# Set-AnyClaudeMode on this session's proxy and on another process's proxy.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:configPath = $env:ANYCLAUDE_CONFIG
    function Write-Config([string] $Json) { Set-Content -LiteralPath $configPath -Value $Json }
    function Get-RemoteSwitchError([hashtable] $Parameters, [string] $Category) {
        # Runs a Set-AnyClaudeMode that another window does not take: one ErrorRecord, never an unhandled exception.
        $thrown = $null
        $problems = @()
        try { Set-AnyClaudeMode @Parameters -ErrorVariable problems -ErrorAction SilentlyContinue } catch { $thrown = $_ }
        $thrown | Should -BeNullOrEmpty -Because 'a switch another window does not take is an error record, not an unhandled exception'
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'RemoteControlFailed,*'
        $problems[0].CategoryInfo.Category | Should -Be $Category
        return $problems[0]
    }
}

AfterAll {
    Reset-AnyClaudeSession
    Exit-IsolatedEnvironment $saved
}

Describe 'Precedence' {
    BeforeEach {
        Reset-AnyClaudeSession
        Remove-Item $configPath, "$configPath.bak" -ErrorAction Ignore
        foreach ($v in 'LMSTUDIO_URL', 'LMSTUDIO_MODEL', 'MLX_LM_URL', 'MLX_LM_MODEL', 'ANYCLAUDE_PORT') { [Environment]::SetEnvironmentVariable($v, $null) }
    }

    It 'uses the built-in defaults without environment or file' {
        $active = Get-AnyClaudeMode | Where-Object IsActive
        $active.Mode | Should -Be 'LmStudio'
        $active.ModeSource | Should -Be 'Default'
        $active.BaseUrl | Should -Be 'http://localhost:1234/v1'
        $active.BaseUrlSource | Should -Be 'Default'
        (Get-AnyClaudeMode MlxLm).ToolCalls | Should -Be 'Off'
        (Get-AnyClaudeMode MlxLm).BaseUrl | Should -Be 'http://localhost:8081/v1'
    }

    It 'takes the config file over the defaults' {
        Write-Config '{ "mode": "mlx-lm", "backends": { "mlx-lm": { "baseUrl": "http://studio.local:8081/v1", "model": "file-model" } } }'
        $mlx = Get-AnyClaudeMode MlxLm
        $mlx.IsActive | Should -BeTrue
        $mlx.ModeSource | Should -Be 'ConfigFile'
        $mlx.BaseUrl | Should -Be 'http://studio.local:8081/v1'
        $mlx.BaseUrlSource | Should -Be 'ConfigFile'
        $mlx.Model | Should -Be 'file-model'
        $mlx.ModelSource | Should -Be 'ConfigFile'
    }

    It 'takes the environment over the config file' {
        Write-Config '{ "mode": "mlx-lm", "backends": { "lmstudio": { "model": "file-model" } } }'
        $env:ANYCLAUDE_MODE = 'lmstudio'
        $env:LMSTUDIO_MODEL = 'env-model'
        $env:LMSTUDIO_URL = 'http://gpu-box:1234'
        $lm = Get-AnyClaudeMode LmStudio
        $lm.IsActive | Should -BeTrue
        $lm.ModeSource | Should -Be 'Environment'
        $lm.Model | Should -Be 'env-model'
        $lm.ModelSource | Should -Be 'Environment'
        $lm.BaseUrl | Should -Be 'http://gpu-box:1234/v1' -Because '/v1 is added to a URL without a path'
    }

    It 'takes parameters over the environment' {
        $fake = Start-FakeBackend -Flavor lmstudio
        try {
            $env:LMSTUDIO_URL = $fake.BaseUrl
            $env:LMSTUDIO_MODEL = 'env-model'
            $env:ANYCLAUDE_MODE = 'mlx-lm'
            $env:ANYCLAUDE_PORT = [string](Get-FreePort)
            $port = Get-FreePort
            $proxy = Start-AnyClaude -NoLaunch -Mode LmStudio -Model 'param-model' -Port $port
            $proxy.Mode | Should -Be 'LmStudio'
            $proxy.Model | Should -Be 'param-model'
            $proxy.Port | Should -Be $port
        } finally {
            Stop-AnyClaude
            Stop-FakeBackend $fake
        }
    }

    It 'takes ANYCLAUDE_PORT when no -Port is given' {
        $port = Get-FreePort
        $env:ANYCLAUDE_PORT = [string]$port
        try {
            (Start-AnyClaude -NoLaunch -ErrorAction SilentlyContinue).Port | Should -Be $port
        } finally {
            Stop-AnyClaude
        }
    }

    It 'accepts the mode names users already know: <_>' -ForEach 'lmstudio', 'mlx-lm', 'claude', 'LmStudio', 'MlxLm', 'Claude' {
        $env:ANYCLAUDE_MODE = $_
        $expected = @{ 'lmstudio' = 'LmStudio'; 'mlx-lm' = 'MlxLm'; 'claude' = 'Claude' }[$_.ToLowerInvariant()] ?? $_
        (Get-AnyClaudeMode | Where-Object IsActive).Mode | Should -Be $expected
    }

    It 'gives the Claude mode the user''s ANTHROPIC_API_KEY (for the proxy) without showing it' {
        $env:ANTHROPIC_API_KEY = 'sk-ant-test-key'
        try {
            $claude = Get-AnyClaudeMode Claude
            $claude.HasApiKey | Should -BeTrue
            $claude.ApiKeySource | Should -Be 'Environment'
            ($claude | Format-List * | Out-String) | Should -Not -Match 'sk-ant-test-key'
        } finally {
            $env:ANTHROPIC_API_KEY = $null
        }
    }
}

Describe 'Broken configuration' {
    BeforeEach { Reset-AnyClaudeSession; Remove-Item $configPath, "$configPath.bak" -ErrorAction Ignore }

    It 'names the file and the JSON problem' {
        Write-Config '{ "mode": "lmstudio", '
        $err = { Get-AnyClaudeMode } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConfiguration,*'
        $err.TargetObject | Should -Be $configPath
        $err.Exception.Message | Should -BeLike "*$configPath*"
        $err.Exception.Message | Should -Match 'not valid JSON'
    }

    It 'names a bad value inside the file' {
        Write-Config '{ "mode": "vllm-turbo" }'
        $err = { Start-AnyClaude -NoLaunch } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike "*$configPath*"
        $err.Exception.Message | Should -Match 'vllm-turbo'
        Get-AnyClaude | Should -BeNullOrEmpty
    }

    It 'rejects an unusable environment value with its name' {
        $env:ANYCLAUDE_PORT = 'eighty'
        try {
            $err = { Get-AnyClaudeMode } | Should -Throw -PassThru
            $err.Exception.Message | Should -Match 'ANYCLAUDE_PORT'
        } finally {
            $env:ANYCLAUDE_PORT = $null
        }
    }

    It 'never overwrites a file it cannot read' {
        Write-Config '{ broken'
        Set-AnyClaudeMode MlxLm -Persist -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        Get-Content -Raw $configPath | Should -Match '\{ broken'
    }
}

Describe 'Set-AnyClaudeMode' {
    BeforeAll {
        $script:lmstudio = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake'
        $script:mlx = Start-FakeBackend -Flavor mlx-lm -Model 'mlx-fake'
    }
    AfterAll { Stop-FakeBackend $lmstudio; Stop-FakeBackend $mlx }
    BeforeEach {
        Reset-AnyClaudeSession
        Remove-Item $configPath, "$configPath.bak" -ErrorAction Ignore
        $env:LMSTUDIO_URL = $lmstudio.BaseUrl
        $env:MLX_LM_URL = $mlx.BaseUrl
        Reset-FakeBackend $lmstudio
        Reset-FakeBackend $mlx
    }

    It 'sets ANYCLAUDE_MODE to the name users know and the default for later starts' {
        Set-AnyClaudeMode MlxLm
        $env:ANYCLAUDE_MODE | Should -Be 'mlx-lm'
        (Start-AnyClaude -NoLaunch).Mode | Should -Be 'MlxLm'
    }

    It 'switches the running proxy at once, without a restart' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        (Send-ProxyMessage -Proxy $proxy -Text 'first').Text | Should -BeLike 'FAKE-LMSTUDIO*'
        Set-AnyClaudeMode MlxLm
        (Get-AnyClaude).Port | Should -Be $proxy.Port
        (Get-AnyClaude).Mode | Should -Be 'MlxLm'
        (Send-ProxyMessage -Proxy $proxy -Text 'second').Text | Should -BeLike 'FAKE-MLX*'
        @(Get-FakeRequest $lmstudio -Chat).Count | Should -Be 1
        @(Get-FakeRequest $mlx -Chat).Count | Should -Be 1
    }

    It 'changes a mode''s model on the running proxy and remembers it for the session' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        Set-AnyClaudeMode LmStudio -Model 'switched-model'
        Send-ProxyMessage -Proxy $proxy | Out-Null
        ((Get-FakeRequest $lmstudio -Chat)[-1].body | ConvertFrom-Json).model | Should -Be 'switched-model'
        Stop-AnyClaude
        $lm = Get-AnyClaudeMode LmStudio
        $lm.Model | Should -Be 'switched-model'
        $lm.ModelSource | Should -Be 'Session'
    }

    It 'takes the mode from the pipeline' {
        Get-AnyClaudeMode MlxLm | Set-AnyClaudeMode
        $env:ANYCLAUDE_MODE | Should -Be 'mlx-lm'
        'claude' | Set-AnyClaudeMode
        $env:ANYCLAUDE_MODE | Should -Be 'claude'
    }

    It 'rejects an unknown mode and lists the valid ones' {
        Set-AnyClaudeMode 'llamafile' -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidConfiguration,*'
        $problems[0].Exception.Message | Should -Match 'LmStudio.*MlxLm'
        $env:ANYCLAUDE_MODE | Should -BeNullOrEmpty
    }

    It '-Persist writes the config file, keeping what else is in it and a backup of it' {
        $original = '{ "port": 0, "custom": { "keep": true } }'
        Write-Config $original
        Set-AnyClaudeMode MlxLm -Model 'persisted-model' -ToolCalls Native -Persist -PassThru | Should -BeOfType 'AnyClaude.Cmdlets.ModeInfo'
        Get-Content -Raw "$configPath.bak" | Should -Be ($original + [Environment]::NewLine)
        $saved = Get-Content -Raw $configPath | ConvertFrom-Json
        $saved.mode | Should -Be 'mlx-lm'
        $saved.custom.keep | Should -BeTrue
        $saved.backends.'mlx-lm'.model | Should -Be 'persisted-model'
        $saved.backends.'mlx-lm'.toolCalls | Should -Be 'Native'

        Reset-AnyClaudeSession
        $mlxMode = Get-AnyClaudeMode MlxLm
        $mlxMode.IsActive | Should -BeTrue
        $mlxMode.ModeSource | Should -Be 'ConfigFile'
        $mlxMode.Model | Should -Be 'persisted-model'
        $mlxMode.ToolCalls | Should -Be 'Native'
    }

    It 'sets the background-request policy on the running proxy, for the session and in the config file' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        (Get-AnyClaudeMode LmStudio).BackgroundRequests | Should -Be 'AnswerLocally' -Because 'local modes answer titles locally by default'
        (Get-AnyClaudeMode Claude).BackgroundRequests | Should -Be 'Forward'
        Set-AnyClaudeMode LmStudio -BackgroundRequests 'mlx-lm/mlx-fake' -Persist
        (Get-AnyClaudeMode LmStudio).BackgroundRequests | Should -Be 'mlx-lm/mlx-fake'
        Send-ProxyMessage -Proxy $proxy -Text 'background work' -Model 'anyclaude-background' | Out-Null
        ((Get-FakeRequest $mlx -Chat)[-1].body | ConvertFrom-Json).model | Should -Be 'mlx-fake'
        @(Get-FakeRequest $lmstudio -Chat).Count | Should -Be 0
        (Get-Content -Raw $configPath | ConvertFrom-Json).backends.lmstudio.backgroundRequests | Should -Be 'mlx-lm/mlx-fake'

        Reset-AnyClaudeSession
        (Get-AnyClaudeMode LmStudio).BackgroundRequests | Should -Be 'mlx-lm/mlx-fake' -Because 'the config file holds it'
        Set-AnyClaudeMode LmStudio -BackgroundRequests Forward
        (Get-AnyClaudeMode LmStudio).BackgroundRequests | Should -Be 'Forward'
    }

    It 'sets the sub-agent policy on the running proxy and in the config file, shown by Get-AnyClaudeMode' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        (Get-AnyClaudeMode LmStudio).SubAgentRequests | Should -Be 'Forward' -Because 'sub-agents go to the mode''s own backend by default'
        Set-AnyClaudeMode LmStudio -SubAgentRequests 'mlx-lm/mlx-fake' -Persist
        (Get-AnyClaudeMode LmStudio).SubAgentRequests | Should -Be 'mlx-lm/mlx-fake'
        (Get-Content -Raw $configPath | ConvertFrom-Json).backends.lmstudio.subAgentRequests | Should -Be 'mlx-lm/mlx-fake'
        Reset-AnyClaudeSession
        (Get-AnyClaudeMode LmStudio).SubAgentRequests | Should -Be 'mlx-lm/mlx-fake' -Because 'the config file holds it'
        Set-AnyClaudeMode LmStudio -SubAgentRequests 'sometimes' -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].Exception.Message | Should -BeLike '*-SubAgentRequests*sometimes*'
        Set-AnyClaudeMode LmStudio -SubAgentRequests Forward
        (Get-AnyClaudeMode LmStudio).SubAgentRequests | Should -Be 'Forward'
    }

    It '-Prewarm sends the conversation to the target backend with max_tokens 1 before the first turn there' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        Send-ProxyMessage -Proxy $proxy -Text ('explain the build ' * 100) | Out-Null
        Set-AnyClaudeMode MlxLm -Prewarm
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (-not (Get-AnyClaude -Request | Where-Object Kind -eq 'Prewarm') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $prewarm = Get-AnyClaude -Request | Where-Object Kind -eq 'Prewarm'
        $prewarm.Mode | Should -Be 'MlxLm'
        $prewarm.Error | Should -BeNullOrEmpty
        ((Get-FakeRequest $mlx -Chat)[-1].body | ConvertFrom-Json).max_tokens | Should -Be 1
    }

    It 'Start-AnyClaude -Prewarm: the probe Claude Code sends for /model naming another mode prewarms that mode' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio -Prewarm
        Send-ProxyMessage -Proxy $proxy -Text ('explain the build ' * 100) | Out-Null
        # /model mlx-lm in Claude Code 2.1.197 and 2.1.332: a non-streaming one-token "Hi" naming the new model.
        $probe = @{ model = 'mlx-lm'; max_tokens = 1; messages = @(@{ role = 'user'; content = 'Hi' }) } | ConvertTo-Json -Depth 5
        Invoke-RestMethod -Method Post -Uri ([Uri]::new([Uri]$proxy.BaseUrl, '/v1/messages')) -Body $probe -ContentType 'application/json' -Headers @{ 'x-api-key' = $proxy.Token } | Out-Null
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (-not (Get-AnyClaude -Request | Where-Object Kind -eq 'Prewarm') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $prewarm = @(Get-AnyClaude -Request | Where-Object Kind -eq 'Prewarm')
        $prewarm | Should -HaveCount 1
        $prewarm[0].Mode | Should -Be 'MlxLm'
        $prewarm[0].Error | Should -BeNullOrEmpty
        (Get-AnyClaude).Mode | Should -Be 'LmStudio' -Because '/model changes the model of later requests, not the proxy''s mode'
    }

    It '"prewarm": true in the config file makes every Set-AnyClaudeMode prewarm; anything but a boolean is an error' {
        Write-Config '{ "prewarm": true }'
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        Send-ProxyMessage -Proxy $proxy -Text ('explain the build ' * 100) | Out-Null
        Set-AnyClaudeMode MlxLm
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (-not (Get-AnyClaude -Request | Where-Object Kind -eq 'Prewarm') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        (Get-AnyClaude -Request | Where-Object Kind -eq 'Prewarm').Mode | Should -Be 'MlxLm'
        Stop-AnyClaude
        Write-Config '{ "prewarm": "yes" }'
        { Start-AnyClaude -NoLaunch LmStudio } | Should -Throw -ExpectedMessage '*prewarm*true or false*'
    }

    It 'rejects an unknown background-request policy' {
        Set-AnyClaudeMode LmStudio -BackgroundRequests 'sometimes' -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidConfiguration,*'
        $problems[0].Exception.Message | Should -Match 'AnswerLocally'
        Write-Config '{ "backends": { "lmstudio": { "backgroundRequests": "never" } } }'
        { Get-AnyClaudeMode } | Should -Throw -ExpectedMessage '*backgroundRequests*never*'
    }

    It '-ToolHistory Text is remembered, persisted as backends.lmstudio.toolHistory and read back with its source' {
        (Get-AnyClaudeMode LmStudio).ToolHistory | Should -Be 'Native'
        Set-AnyClaudeMode LmStudio -ToolHistory Text -Persist
        (Get-AnyClaudeMode LmStudio).ToolHistorySource | Should -Be 'Session'
        (Get-Content -Raw $configPath | ConvertFrom-Json).backends.lmstudio.toolHistory | Should -Be 'Text'
        Reset-AnyClaudeSession
        $lm = Get-AnyClaudeMode LmStudio
        $lm.ToolHistory | Should -Be 'Text'
        $lm.ToolHistorySource | Should -Be 'ConfigFile'
    }

    It 'names the file and the valid values for a bad toolHistory' {
        Write-Config '{ "backends": { "lmstudio": { "toolHistory": "Xml" } } }'
        $problem = { Get-AnyClaudeMode } | Should -Throw -PassThru
        $problem.Exception.Message | Should -Match 'toolHistory.*Native or Text'
        $problem.Exception.Message | Should -Match ([regex]::Escape($configPath))
    }

    It '-StallTimeout (issue 8) applies to the running proxy at once, is remembered for the session and saved in seconds by -Persist' {
        function Get-SessionStall([string] $Mode) {
            $session = [AnyClaude.Cmdlets.Commands.SetAnyClaudeModeCommand].Assembly.GetType('AnyClaude.Cmdlets.Session.ProxySession')
            $session.GetProperty('Current', [Reflection.BindingFlags]'Static,Public,NonPublic').GetValue($null).GetBackend($Mode).StallTimeout
        }
        Start-AnyClaude -NoLaunch LmStudio | Out-Null
        Set-AnyClaudeMode LmStudio -StallTimeout 00:01:30 -Persist
        Get-SessionStall LmStudio | Should -Be ([TimeSpan]::FromSeconds(90))
        (Get-Content -Raw $configPath | ConvertFrom-Json).backends.lmstudio.stallTimeout | Should -Be 90
        Stop-AnyClaude
        Start-AnyClaude -NoLaunch LmStudio | Out-Null
        Get-SessionStall LmStudio | Should -Be ([TimeSpan]::FromSeconds(90))
        Stop-AnyClaude
        Reset-AnyClaudeSession
        Write-Config '{ "backends": { "mlx-lm": { "stallTimeout": "00:02:00" } } }'
        Start-AnyClaude -NoLaunch MlxLm | Out-Null
        Get-SessionStall MlxLm | Should -Be ([TimeSpan]::FromMinutes(2))
        Get-SessionStall LmStudio | Should -BeNullOrEmpty
    }

    It 'refuses a -StallTimeout under a second (a bare number is ticks) and a bad backends.lmstudio.stallTimeout' {
        Set-AnyClaudeMode LmStudio -StallTimeout 90 -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidConfiguration,*'
        $problems[0].Exception.Message | Should -Match 'New-TimeSpan'
        Write-Config '{ "backends": { "lmstudio": { "stallTimeout": -5 } } }'
        $err = { Start-AnyClaude -NoLaunch } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'backends.lmstudio.stallTimeout'
    }

    It '-Persist -WhatIf writes nothing' {
        Set-AnyClaudeMode MlxLm -Persist -WhatIf
        $configPath | Should -Not -Exist
    }

    It 'switches a proxy running in another pwsh process through its control endpoint' {
        $child = Start-ChildPwsh -Environment @{ LMSTUDIO_URL = $lmstudio.BaseUrl; MLX_LM_URL = $mlx.BaseUrl } -Script @'
Import-Module $ModulePath
Start-AnyClaude -NoLaunch LmStudio | Select-Object BaseUrl, Token, Port | ConvertTo-Json -Compress
[Console]::In.ReadLine() | Out-Null
'@
        try {
            $remote = $child.FirstLine | ConvertFrom-Json
            Get-AnyClaude | Should -BeNullOrEmpty -Because 'this session runs no proxy of its own'
            # mlx_lm.server (and the fake) treat an unknown model as a hub repo to download: use the loaded one.
            Set-AnyClaudeMode MlxLm -Model 'mlx-fake'
            (Send-ProxyMessage -Proxy $remote -Text 'after remote switch').Text | Should -BeLike 'FAKE-MLX*'
            ((Get-FakeRequest $mlx -Chat)[-1].body | ConvertFrom-Json).model | Should -Be 'mlx-fake' -Because 'the settings travel with the remote switch'
            $listed = @(Get-AnyClaude -All)
            $listed.Count | Should -Be 1
            $listed[0].ProcessId | Should -Be $child.Process.Id
            $listed[0].Port | Should -Be $remote.Port
            $listed[0].Mode | Should -Be 'MlxLm'
            $listed[0].Requests | Should -BeGreaterOrEqual 1
        } finally {
            Stop-ChildPwsh $child
        }
    }

    It '-StallTimeout reaches a proxy running in another pwsh process (issue 19)' {
        # The child prints its proxy's effective stall timeout (Get-AnyClaudeMode there) for each line it reads.
        $child = Start-ChildPwsh -Environment @{ LMSTUDIO_URL = $lmstudio.BaseUrl; MLX_LM_URL = $mlx.BaseUrl } -Script @'
Import-Module $ModulePath
Start-AnyClaude -NoLaunch LmStudio | Select-Object Port | ConvertTo-Json -Compress
while ($null -ne [Console]::In.ReadLine()) { 'stall=' + [string](Get-AnyClaudeMode LmStudio).StallTimeout }
'@
        try {
            $ask = {
                $child.Process.StandardInput.WriteLine('?')
                $line = $child.Process.StandardOutput.ReadLineAsync()
                if (-not $line.Wait([TimeSpan]::FromSeconds(60))) { throw 'the child did not answer' }
                $line.Result
            }
            & $ask | Should -Be 'stall=' -Because 'no stall timeout is set at first: the proxy''s default applies'
            Set-AnyClaudeMode LmStudio -StallTimeout 00:01:30 -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable problems
            $problems | Should -BeNullOrEmpty
            $warnings | Should -BeNullOrEmpty -Because 'the control endpoint carries the stall timeout'
            & $ask | Should -Be 'stall=00:01:30' -Because 'the other window''s proxy now allows 90 s of silence'

            # Its status (what Get-AnyClaude and Set-AnyClaudeMode of other windows read) reports it too.
            $state = Get-ChildItem $env:ANYCLAUDE_STATE_DIR -Filter 'proxy-*.json' | Get-Content -Raw | ConvertFrom-Json
            $status = Invoke-RestMethod "$($state.baseUrl)anyclaude/status" -Headers @{ Authorization = "Bearer $($state.controlToken)" }
            ($status.backends | Where-Object mode -EQ 'LmStudio').stallTimeout | Should -Be 90
        } finally {
            Stop-ChildPwsh $child
        }
    }

    It 'a switch another window''s proxy refuses ends in an ErrorRecord that says why (issue 19)' {
        $child = Start-ChildPwsh -Environment @{ LMSTUDIO_URL = $lmstudio.BaseUrl; MLX_LM_URL = $mlx.BaseUrl } -Script @'
Import-Module $ModulePath
Start-AnyClaude -NoLaunch LmStudio | Select-Object Port | ConvertTo-Json -Compress
[Console]::In.ReadLine() | Out-Null
'@
        try {
            # The other window's proxy refuses credentials in a backend URL (keys go with -ApiKeySecret).
            $problem = Get-RemoteSwitchError @{ Mode = 'LmStudio'; BaseUrl = 'http://someone:hunter2@127.0.0.1:1234/v1' } -Category InvalidArgument
            $problem.Exception.Message | Should -Match 'baseUrl: credentials in the URL'
            $problem.Exception.Message | Should -Match "process $($child.Process.Id)"
            $problem.Exception.Message | Should -Not -Match 'hunter2'
            (Get-AnyClaude -All)[0].BackendUrl | Should -Be $lmstudio.BaseUrl -Because 'nothing changed there'
        } finally {
            Stop-ChildPwsh $child
        }
    }

    It 'a switch to another window whose proxy no longer listens ends in an ErrorRecord (issue 19)' {
        # The state file of a live process whose proxy is gone (its port is free again).
        $port = Get-FreePort
        $file = Add-ProxyStateFile -ProcessId $lmstudio.Process.Id -Port $port
        try {
            $problem = Get-RemoteSwitchError @{ Mode = 'MlxLm' } -Category ConnectionError
            $problem.Exception.Message | Should -Match "port $port"
            $problem.Exception.Message | Should -Match 'not reachable'
            $env:ANYCLAUDE_MODE | Should -Be 'mlx-lm' -Because 'the mode still applies to this session''s later starts'
        } finally {
            Remove-Item $file -ErrorAction Ignore
        }
    }

    It 'Ctrl+C ends a switch of an unresponsive window at once, before that window answers (issue 19)' {
        # The other window: a live process whose port accepts the call and then answers nothing for 10 s (a pwsh that
        # is busy or suspended), then answers. Ctrl+C must end the call at once: the cmdlet hangs up before it answers.
        $window = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $window.Start()
        $file = Add-ProxyStateFile -ProcessId $lmstudio.Process.Id -Port $window.LocalEndpoint.Port
        $ps = [powershell]::Create()
        $connection = $null
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument((Get-BuiltModulePath)).AddStatement().AddCommand('Set-AnyClaudeMode').AddParameter('Mode', 'MlxLm')
            $async = $ps.BeginInvoke()
            $accept = $window.AcceptTcpClientAsync()
            $accept.Wait([TimeSpan]::FromSeconds(60)) | Should -BeTrue -Because 'Set-AnyClaudeMode calls the other window'
            $connection = $accept.Result
            $stream = $connection.GetStream()
            $buffer = [byte[]]::new(65536)
            $connection.ReceiveTimeout = 60000
            $stream.Read($buffer, 0, $buffer.Length) | Should -BeGreaterThan 0 -Because 'the mode request is on its way'

            $null = $ps.BeginStop($null, $null) # Ctrl+C

            # Drain the request; the caller hanging up ends the read. Nothing from the caller for 10 s: the window answers.
            $connection.ReceiveTimeout = 10000
            $hungUp = $false
            while ($true) {
                try { $read = $stream.Read($buffer, 0, $buffer.Length) }
                catch [IO.IOException] { $hungUp = $_.Exception.InnerException.SocketErrorCode -ne 'TimedOut'; break }
                if ($read -eq 0) { $hungUp = $true; break }
            }
            if (-not $hungUp) {
                $answer = [Text.Encoding]::ASCII.GetBytes("HTTP/1.1 200 OK`r`nContent-Type: application/json`r`nContent-Length: 2`r`nConnection: close`r`n`r`n{}")
                $stream.Write($answer, 0, $answer.Length)
            }
            try { $ps.EndInvoke($async) | Out-Null } catch [Management.Automation.PipelineStoppedException] { }
            $hungUp | Should -BeTrue -Because 'Ctrl+C cancels the control call: the cmdlet hung up before the window answered'
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            if ($connection) { $connection.Dispose() }
            $window.Stop()
            $ps.Dispose()
            Remove-Item $file -ErrorAction Ignore
        }
    }
}
