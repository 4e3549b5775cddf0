# Installs the module package as a user does: from a repository with PSResourceGet, in a user home of its own
# (HOME, XDG folders and PSModulePath point inside TestDrive, so the real user's modules, repositories, config
# and state are never touched). Then imports it by name in fresh pwsh processes, runs a proxy against the fake
# backend, upgrades it under a running proxy, and uninstalls it. The steps run in order and build on each other.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $package = Get-PackagePath
    $script:noPackage = -not $package -or -not (Test-Path $package)
    if ($noPackage -and $env:CI -eq 'true') { throw "The package $package is missing: build.ps1 -Task Test builds it." }
    $script:skipReason = if ($IsWindows) {
        # Install-PSResource -Scope CurrentUser writes to Documents\PowerShell\Modules, a known folder that no
        # environment variable redirects: the test would install into the real user's module folder.
        'on Windows the CurrentUser module folder cannot be isolated'
    } elseif ($noPackage) { "no package at $package (build.ps1 -Task Package)" }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:package = Get-PackagePath
    $script:userHome = Join-Path $TestDrive 'home'
    $script:localRepo = Join-Path $TestDrive 'repository'
    New-Item -ItemType Directory -Force $localRepo | Out-Null
    $script:userEnvironment = New-IsolatedUserHome -Root $userHome
    $script:modulesFolder = Join-Path $userEnvironment.XDG_DATA_HOME 'powershell/Modules'
    $script:configFile = Join-Path $userEnvironment.XDG_CONFIG_HOME 'anyclaude/config.json'
    $script:stateFolder = Join-Path $userEnvironment.XDG_STATE_HOME 'anyclaude'
    $zip = [IO.Compression.ZipFile]::OpenRead($package)
    try {
        $reader = [IO.StreamReader]::new(($zip.Entries | Where-Object FullName -EQ 'AnyClaude.nuspec').Open())
        try { $script:version = ([xml]$reader.ReadToEnd()).package.metadata.version } finally { $reader.Dispose() }
    } finally {
        $zip.Dispose()
    }
    # 200 us per uncached prompt token, so Test-AnyClaudeBackend's cache check sees the cached repeat.
    $script:fake = Start-FakeBackend -Flavor lmstudio -Model 'fake-model' -ExtraArgument '--us-per-token', '200'

    function Invoke-AsUser {
        # Runs a script in a fresh pwsh as the isolated user; returns the JSON object on its last output line.
        param([Parameter(Mandatory)][string] $Script, [hashtable] $Environment = @{})
        $childEnvironment = $userEnvironment.Clone()
        $childEnvironment.LOCAL_REPOSITORY = $localRepo
        foreach ($key in $Environment.Keys) { $childEnvironment[$key] = $Environment[$key] }
        $result = Invoke-ChildPwsh -Environment $childEnvironment -Script ("`$ErrorActionPreference = 'Stop'`n" + $Script)
        $result.ExitCode | Should -Be 0 -Because "the script failed: $($result.StdErr) $($result.StdOut)"
        $last = @($result.StdOut.Trim() -split "`r?`n")[-1]
        return $last | ConvertFrom-Json
    }

    function Get-UserFile {
        # Every file in the isolated home, as paths relative to it.
        @(Get-ChildItem $userHome -Recurse -File -Force | ForEach-Object { [IO.Path]::GetRelativePath($userHome, $_.FullName) -replace '\\', '/' })
    }
}

AfterAll {
    if (Get-Variable runningProxy -Scope Script -ErrorAction Ignore) { Stop-ChildPwsh $runningProxy }
    Stop-FakeBackend $fake
}

Describe 'Install from a repository' -Skip:([bool]$skipReason) {
    It 'installs with Install-PSResource from a local repository the package was published to' {
        $installed = Invoke-AsUser -Environment @{ PACKAGE = $package } -Script @'
Register-PSResourceRepository -Name AnyClaudeLocal -Uri $env:LOCAL_REPOSITORY -Trusted
Publish-PSResource -NupkgPath $env:PACKAGE -Repository AnyClaudeLocal
Install-PSResource AnyClaude -Repository AnyClaudeLocal -Scope CurrentUser
Get-InstalledPSResource AnyClaude | ForEach-Object { [pscustomobject]@{ Version = "$($_.Version)"; Location = $_.InstalledLocation } } | ConvertTo-Json -Compress -AsArray
'@
        $installed | Should -HaveCount 1
        $installed[0].Version | Should -Be $version
        $installed[0].Location | Should -Be $modulesFolder
        Join-Path $localRepo "AnyClaude.$version.nupkg" | Should -Exist
        Join-Path $modulesFolder "AnyClaude/$version/AnyClaude.psd1" | Should -Exist
        Join-Path $modulesFolder "AnyClaude/$version/deps/AnyClaude.Proxy.dll" | Should -Exist
    }

    It 'imports by name in a fresh pwsh, has help, and proxies to the backend' {
        $facts = Invoke-AsUser -Environment @{ FAKE_URL = $fake.BaseUrl } -Script @'
Import-Module AnyClaude
$module = Get-Module AnyClaude
$commands = @(Get-Command -Module AnyClaude | ForEach-Object Name)
$help = Get-Help Start-AnyClaude
$about = Get-Help about_AnyClaude | Out-String
Set-AnyClaudeMode LmStudio -BaseUrl $env:FAKE_URL -Model fake-model -Persist -Confirm:$false | Out-Null
$proxy = Start-AnyClaude -NoLaunch
$body = @{ model = 'claude-sonnet-4-5'; max_tokens = 32; messages = @(@{ role = 'user'; content = 'hello' }) } | ConvertTo-Json -Depth 5
$reply = Invoke-RestMethod -Method Post -Uri "$($proxy.BaseUrl.ToString().TrimEnd('/'))/v1/messages" -Body $body -ContentType 'application/json' -Headers @{ 'x-api-key' = $proxy.Token; 'anthropic-version' = '2023-06-01' }
$checks = @(Test-AnyClaudeBackend LmStudio)
$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AnyClaude.Proxy' }
Stop-AnyClaude -Confirm:$false
[pscustomobject]@{
    ModuleBase = $module.ModuleBase
    Version = "$($module.Version)"
    Commands = $commands
    Synopsis = $help.Synopsis
    Examples = @($help.examples.example).Count
    About = $about
    Port = $proxy.Port
    Mode = $proxy.Mode
    ReplyType = $reply.type
    ReplyText = -join @($reply.content | ForEach-Object text)
    Checks = @($checks | ForEach-Object { "$($_.Check)=$($_.Status): $($_.Detail)" })
    EngineLocation = $engine.Location
    EngineContext = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name
} | ConvertTo-Json -Compress -Depth 4
'@
        $facts.ModuleBase | Should -Be (Join-Path $modulesFolder "AnyClaude/$version")
        $facts.Version | Should -Be $version
        foreach ($name in 'Start-AnyClaude', 'Stop-AnyClaude', 'Get-AnyClaude', 'Set-AnyClaudeMode', 'Get-AnyClaudeMode',
            'Test-AnyClaudeBackend', 'Measure-AnyClaudeCache', 'Invoke-AnyClaudeChecklist') { $facts.Commands | Should -Contain $name }
        # MAML help from the package: a written synopsis (not one pwsh makes from the syntax) and examples.
        $facts.Synopsis | Should -Not -Match '^Start-AnyClaude .*\['
        $facts.Synopsis | Should -Not -BeNullOrEmpty
        $facts.Examples | Should -BeGreaterOrEqual 2
        $facts.About | Should -Match 'about_AnyClaude'
        $facts.About | Should -Match 'Start-AnyClaude'
        $facts.Port | Should -BeGreaterThan 0
        $facts.Mode | Should -Be 'LmStudio'
        $facts.ReplyType | Should -Be 'message'
        $facts.ReplyText | Should -Not -BeNullOrEmpty
        $facts.Checks | Should -Not -BeNullOrEmpty
        $facts.Checks | ForEach-Object { $_ | Should -Match '^\w+=(Passed|Skipped):' }
        $facts.EngineLocation | Should -Be (Join-Path $modulesFolder "AnyClaude/$version/deps/AnyClaude.Proxy.dll")
        $facts.EngineContext | Should -Be 'AnyClaude'
        Test-PortFree $facts.Port | Should -BeTrue
        $configFile | Should -Exist
        Get-FakeRequest $fake -Chat | Should -Not -BeNullOrEmpty
    }

    It 'loads beside a module that loaded other versions of the engine''s dependencies first' {
        $other = $env:ANYCLAUDE_OTHER_PRIMITIVES
        if (-not $other -or -not (Test-Path $other)) {
            if ($env:CI -eq 'true') { throw 'Microsoft.Extensions.Primitives 6.0.0 was not restored (build.ps1 -Task Test restores it).' }
            Set-ItResult -Skipped -Because 'Microsoft.Extensions.Primitives 6.0.0 was not restored (build.ps1 -Task Test restores it)'
            return
        }
        $facts = Invoke-AsUser -Environment @{ OTHER_PRIMITIVES = $other } -Script @'
# Another module got there first with an older Microsoft.Extensions.Primitives in the default context.
Add-Type -Path $env:OTHER_PRIMITIVES
Import-Module AnyClaude
$proxy = Start-AnyClaude -NoLaunch
$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AnyClaude.Proxy' }
$alc = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
$ours = $alc.LoadFromAssemblyName([Reflection.AssemblyName]'Microsoft.Extensions.Primitives')
$models = Invoke-RestMethod "$($proxy.BaseUrl.ToString().TrimEnd('/'))/v1/models" -Headers @{ 'x-api-key' = $proxy.Token }
Stop-AnyClaude -Confirm:$false
[pscustomobject]@{
    Port = $proxy.Port
    Models = @($models.data | ForEach-Object id)
    EngineLocation = $engine.Location
    OursLocation = $ours.Location
    Primitives = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Extensions.Primitives' } |
        ForEach-Object { '{0}@{1}' -f $_.GetName().Version.Major, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name })
} | ConvertTo-Json -Compress
'@
        $installed = Join-Path $modulesFolder "AnyClaude/$version"
        $facts.Port | Should -BeGreaterThan 0
        $facts.Models | Should -Contain 'lmstudio/fake-model' -Because 'the proxy lists what the configured backend serves'
        $facts.EngineLocation | Should -Be (Join-Path $installed 'deps/AnyClaude.Proxy.dll')
        $facts.OursLocation | Should -Be (Join-Path $installed 'deps/Microsoft.Extensions.Primitives.dll')
        $facts.Primitives | Should -Contain '6@Default'
        $facts.Primitives | Should -Contain '8@AnyClaude'
    }

    It 'upgrades with Update-PSResource under a running proxy; the config file and state survive' {
        # The next version: the package's module with a higher ModuleVersion, published from its folder as
        # Publish-PSResource -Repository PSGallery would publish it.
        $current = [version]$version
        $script:nextVersion = [version]::new($current.Major, $current.Minor, $current.Build + 1).ToString()
        $unpacked = Join-Path $TestDrive 'next'
        [IO.Compression.ZipFile]::ExtractToDirectory($package, $unpacked)
        $nextModule = Join-Path $TestDrive 'next-module/AnyClaude'
        New-Item -ItemType Directory -Force $nextModule | Out-Null
        Get-ChildItem $unpacked -Force | Where-Object Name -NotIn '_rels', 'package', '[Content_Types].xml', 'AnyClaude.nuspec' |
            Copy-Item -Destination $nextModule -Recurse
        $manifestPath = Join-Path $nextModule 'AnyClaude.psd1'
        (Get-Content $manifestPath -Raw) -replace "ModuleVersion(\s*)=(\s*)'[^']+'", "ModuleVersion`$1=`$2'$nextVersion'" | Set-Content $manifestPath -NoNewline

        # A pwsh window of this user keeps a proxy of the installed version running across the upgrade.
        $script:runningProxy = Start-ChildPwsh -Environment $userEnvironment.Clone() -Script @'
$ErrorActionPreference = 'Stop'
Import-Module AnyClaude
$proxy = Start-AnyClaude -NoLaunch
[pscustomobject]@{ Port = $proxy.Port; ProcessId = $PID; Version = "$((Get-Module AnyClaude).Version)" } | ConvertTo-Json -Compress
[void][Console]::In.ReadLine()
Stop-AnyClaude -Confirm:$false
'@
        $running = $runningProxy.FirstLine | ConvertFrom-Json
        $running.Version | Should -Be $version
        $configBefore = Get-Content $configFile -Raw
        $statesBefore = @(Get-ChildItem $stateFolder -Filter 'proxy-*.json' | ForEach-Object Name)
        $statesBefore | Should -Not -BeNullOrEmpty -Because 'the running proxy publishes its state file'

        $updated = Invoke-AsUser -Environment @{ NEXT_MODULE = $nextModule } -Script @'
Publish-PSResource -Path $env:NEXT_MODULE -Repository AnyClaudeLocal
Update-PSResource AnyClaude -Repository AnyClaudeLocal
@(Get-InstalledPSResource AnyClaude | ForEach-Object { "$($_.Version)" }) | ConvertTo-Json -Compress -AsArray
'@
        $updated | Should -Contain $nextVersion

        $after = Invoke-AsUser -Script @'
Import-Module AnyClaude
$mode = Get-AnyClaudeMode LmStudio
[pscustomobject]@{
    Version = "$((Get-Module AnyClaude).Version)"
    BaseUrl = "$($mode.BaseUrl)"
    BaseUrlSource = "$($mode.BaseUrlSource)"
    Running = @(Get-AnyClaude -All | ForEach-Object Port)
} | ConvertTo-Json -Compress
'@
        $after.Version | Should -Be $nextVersion -Because 'Import-Module by name takes the newest installed version'
        $after.BaseUrl.TrimEnd('/') | Should -Be $fake.BaseUrl.TrimEnd('/')
        "$($after.BaseUrlSource)" | Should -Match 'Config|File' -Because 'the setting still comes from the user''s config file'
        $after.Running | Should -Contain $running.Port -Because 'the new version finds the proxy the old one runs'
        Get-Content $configFile -Raw | Should -BeExactly $configBefore
        @(Get-ChildItem $stateFolder -Filter 'proxy-*.json' | ForEach-Object Name) | Should -Be $statesBefore

        Stop-ChildPwsh $runningProxy
        $script:runningPort = $running.Port
        $script:runningProcessId = $running.ProcessId
    }

    It 'uninstalls with Uninstall-PSResource: no running proxy, no files outside the user''s config and state' {
        $remaining = Invoke-AsUser -Script @'
Uninstall-PSResource AnyClaude -Version '*'
[pscustomobject]@{
    Installed = @(Get-InstalledPSResource AnyClaude -ErrorAction SilentlyContinue | ForEach-Object { "$($_.Version)" })
    Available = @(Get-Module AnyClaude -ListAvailable | ForEach-Object { "$($_.Version)" })
} | ConvertTo-Json -Compress
'@
        $remaining.Installed | Should -BeNullOrEmpty
        $remaining.Available | Should -BeNullOrEmpty
        Join-Path $modulesFolder 'AnyClaude' | Should -Not -Exist

        # No proxy left: the window's proxy stopped with it, its port is free and its state file is gone.
        Get-Process -Id $runningProcessId -ErrorAction Ignore | Should -BeNullOrEmpty
        Test-PortFree $runningPort | Should -BeTrue
        @(Get-ChildItem $stateFolder -Filter 'proxy-*.json' -ErrorAction Ignore) | Should -BeNullOrEmpty

        # What is left in the user's home: the user's config (kept), and what pwsh and PSResourceGet keep for
        # themselves (pwsh's caches; the repository registrations; the NuGet.Config its NuGet client writes).
        $configFile | Should -Exist
        $config = [IO.Path]::GetRelativePath($userHome, (Split-Path $configFile)) -replace '\\', '/'
        $state = [IO.Path]::GetRelativePath($userHome, $stateFolder) -replace '\\', '/'
        $stray = @(Get-UserFile | Where-Object {
                $_ -notlike "$config/*" -and $_ -notlike "$state/*" -and
                $_ -notlike '.cache/powershell/*' -and $_ -notlike '.local/share/PSResourceGet/*' -and $_ -ne '.config/NuGet/NuGet.Config'
            })
        $stray | Should -BeNullOrEmpty -Because 'uninstalling leaves nothing of AnyClaude behind'
    }

    It 'installs with Install-Module (the older PowerShellGet 2) from the same package' {
        # Another user, so PowerShellGet 2 starts from a clean home as well.
        $otherHome = Join-Path $TestDrive 'home-powershellget2'
        $otherRepository = Join-Path $TestDrive 'repository-powershellget2'
        New-Item -ItemType Directory -Force $otherRepository | Out-Null
        Copy-Item $package $otherRepository
        $environment = New-IsolatedUserHome -Root $otherHome
        $environment.LOCAL_REPOSITORY = $otherRepository
        $result = Invoke-ChildPwsh -Environment $environment -Script @'
$ErrorActionPreference = 'Stop'
Register-PSRepository -Name AnyClaudeLocal -SourceLocation $env:LOCAL_REPOSITORY -InstallationPolicy Trusted
Install-Module AnyClaude -Repository AnyClaudeLocal -Scope CurrentUser
Import-Module AnyClaude
[pscustomobject]@{
    Version = "$((Get-Module AnyClaude).Version)"
    ModuleBase = (Get-Module AnyClaude).ModuleBase
    Commands = @(Get-Command -Module AnyClaude).Count
    Mode = (Get-AnyClaudeMode LmStudio).Mode
} | ConvertTo-Json -Compress
'@
        $result.ExitCode | Should -Be 0 -Because "$($result.StdErr) $($result.StdOut)"
        $facts = @($result.StdOut.Trim() -split "`r?`n")[-1] | ConvertFrom-Json
        $facts.Version | Should -Be $version
        $facts.ModuleBase | Should -Be (Join-Path $environment.XDG_DATA_HOME "powershell/Modules/AnyClaude/$version")
        $facts.Commands | Should -Be 8
        $facts.Mode | Should -Be 'LmStudio'
    }
}
