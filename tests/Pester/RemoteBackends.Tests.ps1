# Issue 9: remote team servers (API keys from the environment or SecretManagement's Get-Secret, caCertificate,
# maxConcurrency) and credentials bound to the URL they were configured for, across pwsh windows.
# SecretManagement is not installed here: a fake Get-Secret function stands in for it, and the "not installed"
# path is tested for real.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:configPath = $env:ANYCLAUDE_CONFIG
    function Write-Config([string] $Json) { Set-Content -LiteralPath $configPath -Value $Json }
    $script:fake = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake'
    $script:other = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake'

    function Install-FakeGetSecret([hashtable] $Secrets) {
        $global:AnyClaudeTestSecrets = $Secrets
        $global:AnyClaudeSecretCalls = [Collections.Generic.List[string]]::new()
        function global:Get-Secret {
            [CmdletBinding()]
            param([Parameter(Mandatory)][string] $Name, [switch] $AsPlainText)
            $global:AnyClaudeSecretCalls.Add($Name)
            if (-not $AsPlainText) { throw 'AnyClaude must ask for -AsPlainText' }
            if (-not $global:AnyClaudeTestSecrets.ContainsKey($Name)) { throw "Get-Secret: The secret $Name was not found." }
            $global:AnyClaudeTestSecrets[$Name]
        }
    }
    function Remove-FakeGetSecret { Remove-Item -Path Function:\Get-Secret -ErrorAction Ignore }
    function Get-LastAuthorization($Fake) { (Get-FakeRequest $Fake -Chat)[-1].headers.Authorization }
}

AfterAll {
    Remove-FakeGetSecret
    Reset-AnyClaudeSession
    Stop-FakeBackend $fake
    Stop-FakeBackend $other
    Exit-IsolatedEnvironment $saved
}

Describe 'API keys for a team server' {
    BeforeEach {
        Reset-AnyClaudeSession
        Remove-FakeGetSecret
        Remove-Item $configPath, "$configPath.bak" -ErrorAction Ignore
        $env:ANYCLAUDE_OPENAI_API_KEY = $null
        Reset-FakeBackend $fake
    }

    It 'reads the key named by backends.openai.apiKeySecret with Get-Secret and sends it to that backend' {
        Install-FakeGetSecret @{ 'team-vllm' = 'key-from-the-vault' }
        Write-Config (@{ mode = 'openai'; backends = @{ openai = @{ baseUrl = $fake.BaseUrl; model = 'lm-fake'; apiKeySecret = 'team-vllm' } } } | ConvertTo-Json -Depth 4)
        $proxy = Start-AnyClaude -NoLaunch
        (Send-ProxyMessage -Proxy $proxy).Text | Should -Not -BeNullOrEmpty
        Get-LastAuthorization $fake | Should -Be 'Bearer key-from-the-vault'
        @($global:AnyClaudeSecretCalls) | Should -Be @('team-vllm')
    }

    It 'never calls Get-Secret when no secret is named' {
        Install-FakeGetSecret @{}
        $env:ANYCLAUDE_OPENAI_API_KEY = 'key-from-env'
        Write-Config (@{ mode = 'openai'; backends = @{ openai = @{ baseUrl = $fake.BaseUrl; model = 'lm-fake' } } } | ConvertTo-Json -Depth 4)
        $proxy = Start-AnyClaude -NoLaunch
        Send-ProxyMessage -Proxy $proxy | Out-Null
        Get-LastAuthorization $fake | Should -Be 'Bearer key-from-env'
        $global:AnyClaudeSecretCalls.Count | Should -Be 0
    }

    It 'takes the environment''s key over the config file''s secret, and Set-AnyClaudeMode -ApiKeySecret over both' {
        Install-FakeGetSecret @{ 'file-secret' = 'key-from-file-secret'; 'session-secret' = 'key-from-session-secret' }
        $env:ANYCLAUDE_OPENAI_API_KEY = 'key-from-env'
        Write-Config (@{ mode = 'openai'; backends = @{ openai = @{ baseUrl = $fake.BaseUrl; model = 'lm-fake'; apiKeySecret = 'file-secret' } } } | ConvertTo-Json -Depth 4)
        $proxy = Start-AnyClaude -NoLaunch
        Send-ProxyMessage -Proxy $proxy | Out-Null
        Get-LastAuthorization $fake | Should -Be 'Bearer key-from-env'
        $global:AnyClaudeSecretCalls.Count | Should -Be 0
        Stop-AnyClaude

        Set-AnyClaudeMode OpenAICompatible -ApiKeySecret 'session-secret'
        $proxy = Start-AnyClaude -NoLaunch
        Send-ProxyMessage -Proxy $proxy | Out-Null
        Get-LastAuthorization $fake | Should -Be 'Bearer key-from-session-secret'
    }

    It 'Set-AnyClaudeMode -ApiKeySecret gives the running proxy the key at once' {
        Install-FakeGetSecret @{ 'team-vllm' = 'key-set-while-running' }
        Write-Config (@{ mode = 'openai'; backends = @{ openai = @{ baseUrl = $fake.BaseUrl; model = 'lm-fake' } } } | ConvertTo-Json -Depth 4)
        $proxy = Start-AnyClaude -NoLaunch
        Set-AnyClaudeMode OpenAICompatible -ApiKeySecret 'team-vllm'
        Send-ProxyMessage -Proxy $proxy | Out-Null
        Get-LastAuthorization $fake | Should -Be 'Bearer key-set-while-running'
    }

    It 'says clearly which secret Get-Secret could not read' {
        Install-FakeGetSecret @{}
        Write-Config (@{ mode = 'openai'; backends = @{ openai = @{ baseUrl = $fake.BaseUrl; apiKeySecret = 'no-such-secret' } } } | ConvertTo-Json -Depth 4)
        $err = $null
        try { Start-AnyClaude -NoLaunch -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'SecretUnavailable,*'
        $err.CategoryInfo.Category | Should -Be 'ReadError'
        $err.Exception.Message | Should -BeLike "*no-such-secret*was not found*"
        Get-AnyClaude | Should -BeNullOrEmpty -Because 'no proxy starts without the active mode''s key'
    }

    It 'reports SecretManagement as not installed when a secret is named and Get-Secret does not exist' -Skip:([bool](Get-Command Get-Secret -ErrorAction Ignore)) {
        Write-Config (@{ mode = 'openai'; backends = @{ openai = @{ baseUrl = $fake.BaseUrl; apiKeySecret = 'team-vllm' } } } | ConvertTo-Json -Depth 4)
        $err = $null
        try { Start-AnyClaude -NoLaunch -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'SecretManagementNotInstalled,*'
        $err.CategoryInfo.Category | Should -Be 'NotInstalled'
        $err.Exception.Message | Should -BeLike "*team-vllm*Microsoft.PowerShell.SecretManagement*"
        $err.Exception.Message | Should -BeLike '*backends.openai.apiKeySecret*'
    }

    It 'only warns about an unreadable secret of a mode that is not active' -Skip:([bool](Get-Command Get-Secret -ErrorAction Ignore)) {
        Write-Config (@{ mode = 'lmstudio'; backends = @{ lmstudio = @{ baseUrl = $fake.BaseUrl }; openai = @{ apiKeySecret = 'team-vllm' } } } | ConvertTo-Json -Depth 4)
        $proxy = Start-AnyClaude -NoLaunch -WarningVariable warnings -WarningAction SilentlyContinue
        $proxy | Should -Not -BeNullOrEmpty
        "$warnings" | Should -BeLike '*team-vllm*OpenAICompatible mode has no API key*'
    }

    It 'refuses a config entry with both apiKey and apiKeySecret' {
        Write-Config '{ "backends": { "openai": { "apiKey": "k", "apiKeySecret": "s" } } }'
        { Get-AnyClaudeMode } | Should -Throw -ExpectedMessage '*both "apiKey" and "apiKeySecret"*'
    }
}

Describe 'TLS trust and concurrency settings' {
    BeforeEach {
        Reset-AnyClaudeSession
        Remove-Item $configPath, "$configPath.bak" -ErrorAction Ignore
    }

    It '-Persist saves apiKeySecret, caCertificate and maxConcurrency, replacing an apiKey' {
        $pem = Join-Path $TestDrive 'team-ca.pem'
        Set-Content $pem "-----BEGIN CERTIFICATE-----`nMIIB`n-----END CERTIFICATE-----"
        Write-Config '{ "backends": { "openai": { "apiKey": "plain-key" } } }'
        Set-AnyClaudeMode OpenAICompatible -BaseUrl 'https://team-gpu.example:8443/v1' -ApiKeySecret 'team-vllm' -CaCertificate $pem -MaxConcurrency 6 -Persist
        $saved = Get-Content $configPath -Raw | ConvertFrom-Json
        $saved.backends.openai.apiKeySecret | Should -Be 'team-vllm'
        $saved.backends.openai.caCertificate | Should -Be $pem
        $saved.backends.openai.maxConcurrency | Should -Be 6
        $saved.backends.openai.PSObject.Properties.Name | Should -Not -Contain 'apiKey'
        Test-Path "$configPath.bak" | Should -BeTrue
    }

    It 'rejects a caCertificate file that does not exist, naming the key' {
        Write-Config '{ "backends": { "openai": { "caCertificate": "missing.pem" } } }'
        { Get-AnyClaudeMode } | Should -Throw -ExpectedMessage '*backends.openai.caCertificate*missing.pem*does not exist*'
    }

    It 'rejects a maxConcurrency outside 1-1024' {
        Write-Config '{ "backends": { "openai": { "maxConcurrency": 0 } } }'
        { Get-AnyClaudeMode } | Should -Throw -ExpectedMessage '*backends.openai.maxConcurrency*'
        { Set-AnyClaudeMode OpenAICompatible -MaxConcurrency 0 } | Should -Throw
    }

    It 'gives the running proxy the configured concurrency; remote hosts default higher than loopback ones' {
        Write-Config (@{ mode = 'lmstudio'; backends = @{ lmstudio = @{ baseUrl = $fake.BaseUrl; maxConcurrency = 3 }; openai = @{ baseUrl = 'https://team-gpu.example/v1' } } } | ConvertTo-Json -Depth 4)
        Start-AnyClaude -NoLaunch | Out-Null
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AnyClaude.Cmdlets' } | Select-Object -First 1
        $proxy = $engine.GetType('AnyClaude.Cmdlets.Session.ProxySession').GetProperty('Current', [Reflection.BindingFlags]'Static,Public,NonPublic').GetValue($null)
        $proxy.GetBackend('LmStudio').EffectiveMaxConcurrency | Should -Be 3
        $proxy.GetBackend('OpenAICompatible').EffectiveMaxConcurrency | Should -BeGreaterThan 1
        $proxy.GetBackend('MlxLm').EffectiveMaxConcurrency | Should -Be 1
    }
}

Describe 'Credentials stay bound to their URL across pwsh windows' {
    BeforeEach {
        Reset-AnyClaudeSession
        Remove-FakeGetSecret
        Remove-Item $configPath, "$configPath.bak" -ErrorAction Ignore
        Reset-FakeBackend $fake
        Reset-FakeBackend $other
    }

    It 'a URL set from another window carries no key, unless -ApiKeySecret gives one with it' {
        $child = Start-ChildPwsh -Environment @{ LMSTUDIO_URL = $fake.BaseUrl; LMSTUDIO_API_KEY = 'child-users-lmstudio-key'; LMSTUDIO_MODEL = 'lm-fake' } -Script @'
Import-Module $ModulePath
Start-AnyClaude -NoLaunch LmStudio | Select-Object BaseUrl, Token, Port | ConvertTo-Json -Compress
[Console]::In.ReadLine() | Out-Null
'@
        try {
            $remote = $child.FirstLine | ConvertFrom-Json
            Send-ProxyMessage -Proxy $remote | Out-Null
            Get-LastAuthorization $fake | Should -Be 'Bearer child-users-lmstudio-key' -Because 'the key goes to the URL it was configured with'

            Set-AnyClaudeMode LmStudio -BaseUrl $other.BaseUrl
            Send-ProxyMessage -Proxy $remote | Out-Null
            @(Get-FakeRequest $other -Chat).Count | Should -Be 1
            (Get-FakeRequest $other -Chat)[-1].headers.PSObject.Properties.Name | Should -Not -Contain 'Authorization'

            Install-FakeGetSecret @{ 'other-key' = 'key-given-with-the-url' }
            Set-AnyClaudeMode LmStudio -BaseUrl $other.BaseUrl -ApiKeySecret 'other-key'
            Send-ProxyMessage -Proxy $remote | Out-Null
            Get-LastAuthorization $other | Should -Be 'Bearer key-given-with-the-url'
        } finally {
            Stop-ChildPwsh $child
        }
    }

    It 'the data-plane token of another window''s proxy opens no control endpoint' {
        $child = Start-ChildPwsh -Environment @{ LMSTUDIO_URL = $fake.BaseUrl } -Script @'
Import-Module $ModulePath
Start-AnyClaude -NoLaunch LmStudio | Select-Object BaseUrl, Token, Port | ConvertTo-Json -Compress
[Console]::In.ReadLine() | Out-Null
'@
        try {
            $remote = $child.FirstLine | ConvertFrom-Json
            $response = Invoke-WebRequest -Uri "$($remote.BaseUrl.TrimEnd('/'))/anyclaude/status" -Headers @{ 'x-api-key' = $remote.Token } -SkipHttpErrorCheck
            $response.StatusCode | Should -Be 403
            ($response.Content | ConvertFrom-Json).error.type | Should -Be 'permission_error'
            $state = Get-ChildItem $env:ANYCLAUDE_STATE_DIR -Filter 'proxy-*.json' | Get-Content -Raw | ConvertFrom-Json
            $state.controlToken | Should -Not -Be $remote.Token
            (Get-Content (Get-ChildItem $env:ANYCLAUDE_STATE_DIR -Filter 'proxy-*.json').FullName -Raw) | Should -Not -Match ([regex]::Escape($remote.Token))
            @(Get-AnyClaude -All)[0].Port | Should -Be $remote.Port -Because 'this session reaches it with the control token from the state file'
        } finally {
            Stop-ChildPwsh $child
        }
    }
}
