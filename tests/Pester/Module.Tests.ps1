# The built module's shape: manifest, layout, load-context isolation, help, format views, completion.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $exportedCmdlets = @((Import-PowerShellDataFile (Get-BuiltModulePath)).CmdletsToExport)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:manifestPath = Get-BuiltModulePath
    $script:moduleDir = Split-Path $manifestPath
    Import-Module $manifestPath -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
}

AfterAll {
    Reset-AnyClaudeSession
    Exit-IsolatedEnvironment $saved
}

Describe 'Manifest' {
    BeforeAll { $script:manifest = Test-ModuleManifest $manifestPath }

    It 'targets pwsh 7.4+ Core with the cmdlets assembly as root module' {
        $manifest.PowerShellVersion | Should -Be ([version]'7.4')
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.RootModule | Should -Be 'AnyClaude.Cmdlets.dll'
    }

    It 'exports an explicit cmdlet list, no wildcards' {
        $data = Import-PowerShellDataFile $manifestPath
        $data.CmdletsToExport | Should -Not -Contain '*'
        foreach ($name in 'Start-AnyClaude', 'Stop-AnyClaude', 'Get-AnyClaude', 'Set-AnyClaudeMode', 'Get-AnyClaudeMode',
            'Test-AnyClaudeBackend', 'Measure-AnyClaudeCache', 'Invoke-AnyClaudeChecklist') {
            $data.CmdletsToExport | Should -Contain $name
        }
        $data.FunctionsToExport.Count | Should -Be 0
        $data.AliasesToExport.Count | Should -Be 0
        $data.PrivateData.PSData.Tags | Should -Contain 'Claude'
        $data.PrivateData.PSData.ProjectUri | Should -Not -BeNullOrEmpty
    }

    It 'exports the module''s cmdlets with approved verbs' {
        $commands = @(Get-Command -Module AnyClaude)
        $commands.Name | Should -Contain 'Start-AnyClaude'
        $commands.Name | Should -Contain 'Set-AnyClaudeMode'
        $approved = (Get-Verb).Verb
        $commands | ForEach-Object { $approved | Should -Contain $_.Verb }
    }
}

Describe 'Layout' {
    It 'keeps the engine and its dependencies in deps/, not beside the cmdlets' {
        Join-Path $moduleDir 'AnyClaude.Cmdlets.dll' | Should -Exist
        Join-Path $moduleDir 'AnyClaude.Proxy.dll' | Should -Not -Exist
        Join-Path $moduleDir 'AnyClaude.Diagnostics.dll' | Should -Not -Exist
        foreach ($dll in 'AnyClaude.Proxy.dll', 'AnyClaude.Diagnostics.dll', 'Microsoft.Extensions.Http.dll', 'Microsoft.ML.Tokenizers.dll', 'Microsoft.ML.Tokenizers.Data.O200kBase.dll') {
            Join-Path $moduleDir "deps/$dll" | Should -Exist
        }
        Join-Path $moduleDir 'en-US/AnyClaude.Cmdlets.dll-Help.xml' | Should -Exist
        Join-Path $moduleDir 'AnyClaude.format.ps1xml' | Should -Exist
        Join-Path $moduleDir 'AnyClaude.Diagnostics.format.ps1xml' | Should -Exist
    }
}

Describe 'AssemblyLoadContext isolation' {
    It 'loads the engine and its dependencies outside the default context, next to another version of them' {
        $other = $env:ANYCLAUDE_OTHER_PRIMITIVES
        if (-not $other -or -not (Test-Path $other)) {
            Set-ItResult -Skipped -Because 'Microsoft.Extensions.Primitives 6.0.0 was not restored (build.ps1 -Task Test restores it)'
            return
        }
        $result = Invoke-ChildPwsh -Environment @{ OTHER_PRIMITIVES = $other; ANYCLAUDE_CONFIG = (Join-Path $TestDrive 'none.json'); ANYCLAUDE_STATE_DIR = (Join-Path $TestDrive 'state') } -Script @'
$ErrorActionPreference = 'Stop'
# Another module got there first with an older Microsoft.Extensions.Primitives in the default context.
Add-Type -Path $env:OTHER_PRIMITIVES
Import-Module $ModulePath
$proxy = Start-AnyClaude -NoLaunch -ErrorAction SilentlyContinue
$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AnyClaude.Proxy' }
# Make the engine use a Microsoft.Extensions type of its own.
$alc = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
$ours = $alc.LoadFromAssemblyName([Reflection.AssemblyName]'Microsoft.Extensions.Primitives')
[pscustomobject]@{
    Port = $proxy.Port
    EngineContext = $alc.Name
    EngineDependencies = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.Location -like '*deps*' } |
        ForEach-Object { [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name } | Sort-Object -Unique)
    Primitives = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Extensions.Primitives' } |
        ForEach-Object { '{0}@{1}' -f $_.GetName().Version.Major, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name })
    OursMajor = $ours.GetName().Version.Major
} | ConvertTo-Json -Compress
'@
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $facts = ($result.StdOut.Trim() -split "`n")[-1] | ConvertFrom-Json
        $facts.Port | Should -BeGreaterThan 0
        $facts.EngineContext | Should -Be 'AnyClaude'
        $facts.EngineDependencies | Should -Be @('AnyClaude')
        $facts.OursMajor | Should -Be 8
        $facts.Primitives | Should -Contain '6@Default'
        $facts.Primitives | Should -Contain '8@AnyClaude'
    }

    It 'shows a non-default load context for the engine in this session' {
        Start-AnyClaude -NoLaunch -ErrorAction SilentlyContinue | Out-Null
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AnyClaude.Proxy' }
        $engine | Should -Not -BeNullOrEmpty
        [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name | Should -Be 'AnyClaude'
        # The diagnostics are a client of the engine and live in the same context.
        Test-AnyClaudeBackend -Mode MlxLm -BaseUrl 'http://127.0.0.1:9/v1' -Quiet -ErrorAction SilentlyContinue | Out-Null
        $diagnostics = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AnyClaude.Diagnostics' }
        $diagnostics | Should -Not -BeNullOrEmpty
        [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($diagnostics).Name | Should -Be 'AnyClaude'
        $cmdlets = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AnyClaude.Cmdlets' }
        [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($cmdlets) | Should -Be ([Runtime.Loader.AssemblyLoadContext]::Default)
        Stop-AnyClaude
    }
}

Describe 'Help' {
    It 'documents <_> fully: synopsis, description, every parameter, two examples' -ForEach $exportedCmdlets {
        $command = Get-Command $_ -Module AnyClaude -ErrorAction SilentlyContinue
        if (-not $command) {
            Set-ItResult -Skipped -Because "$_ is not in this build yet"
            return
        }
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without MAML, pwsh makes the synopsis from the syntax.
        $help.Synopsis | Should -Not -Match "^$([regex]::Escape($_)) .*\["
        ($help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        foreach ($parameter in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $documented = $help.parameters.parameter | Where-Object name -eq $parameter
            $documented | Should -Not -BeNullOrEmpty -Because "-$parameter of $_ needs help"
            ($documented.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter of $_ needs a description"
        }
    }
}

Describe 'Format views' {
    It 'has a default view for <_>' -ForEach 'ProxyInfo', 'RequestInfo', 'SessionSummary', 'ModeInfo' {
        Get-FormatData -TypeName "AnyClaude.Cmdlets.$_" | Should -Not -BeNullOrEmpty
    }

    It 'renders Get-AnyClaudeMode as a table without the API key' {
        $env:LMSTUDIO_API_KEY = 'sk-secret-should-not-show'
        try {
            $text = Get-AnyClaudeMode | Out-String -Width 200
            $text | Should -Match 'MlxLm'
            $text | Should -Not -Match 'sk-secret-should-not-show'
            (Get-AnyClaudeMode LmStudio).HasApiKey | Should -BeTrue
        } finally {
            $env:LMSTUDIO_API_KEY = $null
        }
    }
}

Describe 'Tab completion' {
    It 'completes -Mode with every mode name' {
        $line = 'Start-AnyClaude -Mode ml'
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Contain 'MlxLm'
        $completions | Should -Contain 'mlx-lm'
        $completions | Should -Not -Contain 'LmStudio'
    }

    It 'completes -Model from the backend''s model list' {
        $fake = Start-FakeBackend -Flavor lmstudio -Model 'completion-model-x'
        try {
            $env:LMSTUDIO_URL = $fake.BaseUrl
            $line = 'Set-AnyClaudeMode LmStudio -Model comp'
            # The first completion in a process pays for loading the HTTP stack within the 1.5 s budget;
            # on a loaded CI machine that can time out, so the answer that counts is the second one.
            $null = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            $completions | Should -Contain 'completion-model-x'
        } finally {
            $env:LMSTUDIO_URL = $null
            Stop-FakeBackend $fake
        }
    }

    It 'completes -Model with nothing, quickly, when the backend is down' {
        $env:LMSTUDIO_URL = "http://127.0.0.1:$(Get-FreePort)/v1"
        try {
            $line = 'Start-AnyClaude -Mode LmStudio -Model '
            $results = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches)
            # pwsh falls back to file names; the completer itself must offer no model.
            @($results | Where-Object ResultType -eq 'ParameterValue').Count | Should -Be 0
        } finally {
            $env:LMSTUDIO_URL = $null
        }
    }
}
