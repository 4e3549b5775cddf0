#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, packages or runs the AnyClaude module. Plain pwsh and dotnet; no build module needed.
.DESCRIPTION
    Build   (default) lays out an importable module in <OutputPath>/AnyClaude:
            AnyClaude.psd1, AnyClaude.Cmdlets.dll, en-US/ help, format files, Checklist/, and deps/ with the
            engine (AnyClaude.Proxy) and its whole dependency closure, loaded in the module's own load context.
    Test    builds, installs what the tests need (Pester from NuGet, the pinned Claude Code CLIs from npm),
            runs xunit over the solution and Pester over tests/Pester in a fresh pwsh, prints the combined
            totals as "N passed, N failed, N skipped" and exits non-zero on any failure.
    Package builds and zips the module (a .zip and a PowerShell-Gallery-style .nupkg) into <OutputPath>.
    Run     builds, imports the module and runs Start-AnyClaude in the configured mode (ANYCLAUDE_MODE, the config
            file, else LmStudio; -Mode overrides): the proxy alone, until Enter, when claude is not on PATH.
            Problems are printed as plain sentences (no escape codes when the output is redirected).
    Set ANYCLAUDE_ARTIFACTS to keep intermediate build output out of the repository's artifacts/ folder.
.EXAMPLE
    ./build.ps1 -Task Test
.EXAMPLE
    ./build.ps1 -OutputPath /tmp/out-module
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Run')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Where the module is laid out (<OutputPath>/AnyClaude) and packages are written.
    [string] $OutputPath = (Join-Path $PSScriptRoot 'out'),

    # Claude Code versions the end-to-end tests run against.
    [string[]] $ClaudeCodeVersion = @('2.1.197', '2.0.77'),

    # Pester paths to run (default: all of tests/Pester); handy while iterating.
    [string[]] $PesterPath,

    # Skip the xunit step (Pester only); handy while iterating.
    [switch] $SkipXunit,

    # -Task Run: the mode to start in (LmStudio, MlxLm, ...); default: the configured mode.
    [string] $Mode
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
# Plain text when redirected (CI logs, files): no escape codes in tables, warnings or errors.
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }

$Repo = $PSScriptRoot
$Artifacts = if ($env:ANYCLAUDE_ARTIFACTS) { $env:ANYCLAUDE_ARTIFACTS } else { Join-Path $Repo 'artifacts' }
$OutputPath = [IO.Path]::GetFullPath($OutputPath)
$ModuleDir = Join-Path $OutputPath 'AnyClaude'
$Pivot = $Configuration.ToLowerInvariant()
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Native {
    # Runs a program (first argument) and fails the build when it fails. A simple function on purpose:
    # every argument, '-c' included, reaches the program as it is.
    $filePath, $arguments = $args
    $arguments = @($arguments | ForEach-Object { $_ })
    Write-Host "> $filePath $($arguments -join ' ')" -ForegroundColor DarkGray
    & $filePath @arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "$filePath exited with code $LASTEXITCODE." }
}

function Get-PwshCommand {
    # The pwsh that runs this script, as a command line: 'dotnet <pwsh.dll>' for the local dotnet tool.
    $processPath = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'dotnet') {
        return @($processPath, (Join-Path $PSHOME 'pwsh.dll'))
    }
    return @($processPath)
}

function Get-NuGetPackageRoot {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $line = & dotnet nuget locals global-packages --list | Select-Object -Last 1
    return ($line -replace '^global-packages:\s*', '').Trim()
}

function Build-Module {
    if (Test-Path $ModuleDir) { Remove-Item $ModuleDir -Recurse -Force }
    $deps = Join-Path $ModuleDir 'deps'

    # The engine's full dependency closure goes to deps/: the module's load context resolves from there.
    Invoke-Native dotnet publish (Join-Path $Repo 'src/Proxy/AnyClaude.Proxy.csproj') -c $Configuration -o $deps --nologo
    Invoke-Native dotnet build (Join-Path $Repo 'src/Cmdlets/AnyClaude.Cmdlets.csproj') -c $Configuration --nologo
    Get-ChildItem $deps -Filter '*.pdb' | Remove-Item

    $cmdletsBin = Join-Path $Artifacts "bin/AnyClaude.Cmdlets/$Pivot"
    Copy-Item (Join-Path $cmdletsBin 'AnyClaude.Cmdlets.dll') $ModuleDir
    Copy-Item (Join-Path $Repo 'module/AnyClaude.psd1') $ModuleDir
    Copy-Item (Join-Path $Repo 'module/AnyClaude.format.ps1xml') $ModuleDir

    # The diagnostics views and checklist come from another part of the tree; the manifest lists the
    # format file from the start, so an empty one stands in until it exists.
    $diagFormat = Join-Path $Repo 'module/AnyClaude.Diagnostics.format.ps1xml'
    if (Test-Path $diagFormat) {
        Copy-Item $diagFormat $ModuleDir
    } else {
        Set-Content (Join-Path $ModuleDir 'AnyClaude.Diagnostics.format.ps1xml') '<?xml version="1.0" encoding="utf-8"?><Configuration><ViewDefinitions /></Configuration>'
    }
    $checklist = Join-Path $Repo 'module/Checklist'
    if (Test-Path $checklist) { Copy-Item $checklist (Join-Path $ModuleDir 'Checklist') -Recurse }

    # MAML help, generated from the cmdlets' XML doc comments and their attributes, so it cannot drift.
    $pwsh = @(Get-PwshCommand)
    $helpArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Repo 'tools/New-MamlHelp.ps1'),
        '-ModulePath', (Join-Path $ModuleDir 'AnyClaude.psd1'),
        '-XmlDocPath', (Join-Path $cmdletsBin 'AnyClaude.Cmdlets.xml'),
        '-OutFile', (Join-Path $ModuleDir 'en-US/AnyClaude.Cmdlets.dll-Help.xml'))
    Invoke-Native @pwsh @helpArgs
    Write-Host "Module laid out in $ModuleDir" -ForegroundColor Green
}

function Install-TestTools {
    Invoke-Native dotnet restore (Join-Path $Repo 'tests/Pester/Pester.Restore.csproj') --nologo
    $packages = Get-NuGetPackageRoot
    $pester = Join-Path $packages 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $pester)) { throw "Pester 5.7.1 was not restored to $pester." }

    $claudeCache = Join-Path $Repo '.cache/claude-code'
    foreach ($version in $ClaudeCodeVersion) {
        $prefix = Join-Path $claudeCache $version
        $bin = Join-Path $prefix 'node_modules/.bin/claude'
        if (Test-Path $bin) { continue }
        if (-not (Get-Command npm -ErrorAction Ignore)) {
            Write-Warning "npm is not installed: the end-to-end tests against Claude Code $version will be skipped."
            continue
        }
        New-Item -ItemType Directory -Force $prefix | Out-Null
        # One retry: a registry hiccup should not fail a whole test run.
        try {
            Invoke-Native npm install --prefix $prefix --no-audit --no-fund --loglevel=error "@anthropic-ai/claude-code@$version"
        } catch {
            Write-Warning "npm install of Claude Code $version failed ($_); retrying once."
            Invoke-Native npm install --prefix $prefix --no-audit --no-fund --loglevel=error "@anthropic-ai/claude-code@$version"
        }
    }

    Invoke-Native dotnet build (Join-Path $Repo 'tests/AnyClaude.FakeBackend/AnyClaude.FakeBackend.csproj') -c $Configuration --nologo
    return [pscustomobject]@{
        Pester      = $pester
        Primitives6 = Join-Path $packages 'microsoft.extensions.primitives/6.0.0/lib/net6.0/Microsoft.Extensions.Primitives.dll'
        ClaudeCache = $claudeCache
        FakeBackend = Join-Path $Artifacts "bin/AnyClaude.FakeBackend/$Pivot/AnyClaude.FakeBackend.dll"
    }
}

function Invoke-Xunit {
    # Every engineer's xunit projects, through the solution; counts come from the TRX files.
    $results = Join-Path $Artifacts "TestResults/xunit-$([DateTime]::UtcNow.ToString('yyyyMMddHHmmss'))"
    & dotnet test (Join-Path $Repo 'AnyClaude.PowerShell.sln') -c $Configuration --nologo --logger trx --results-directory $results | Out-Host
    $exit = $LASTEXITCODE
    $totals = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($trx in Get-ChildItem $results -Filter '*.trx' -Recurse -ErrorAction Ignore) {
        $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        $totals.Passed += [int]$counters.passed
        $totals.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $totals.Skipped += [int]$counters.notExecuted
    }
    if ($exit -ne 0 -and $totals.Failed -eq 0) {
        # A build failure or a crashed test host: count it, so the run cannot look green.
        Write-Warning "dotnet test exited with code $exit without reporting failed tests."
        $totals.Failed += 1
    }
    return $totals
}

function Invoke-PesterSuite {
    param($Tools)
    $resultFile = Join-Path $Artifacts "TestResults/pester-$([DateTime]::UtcNow.ToString('yyyyMMddHHmmss')).json"
    New-Item -ItemType Directory -Force (Split-Path $resultFile) | Out-Null
    $paths = if ($PesterPath) { $PesterPath | ForEach-Object { $_ -split ',' } | ForEach-Object { [IO.Path]::GetFullPath($_) } } else { @(Join-Path $Repo 'tests/Pester') }

    # What the suites need to find, passed through the environment of a fresh pwsh.
    $pwsh = @(Get-PwshCommand)
    $env:ANYCLAUDE_MODULE_PATH = Join-Path $ModuleDir 'AnyClaude.psd1'
    $env:ANYCLAUDE_FAKE_BACKEND = $Tools.FakeBackend
    $env:ANYCLAUDE_CLAUDE_CACHE = $Tools.ClaudeCache
    $env:ANYCLAUDE_CLAUDE_VERSIONS = $ClaudeCodeVersion -join ','
    $env:ANYCLAUDE_OTHER_PRIMITIVES = $Tools.Primitives6
    $env:ANYCLAUDE_PWSH = $pwsh | ConvertTo-Json -Compress -AsArray
    $runner = Join-Path $Repo 'tests/Pester/Invoke-PesterSuite.ps1'
    $env:ANYCLAUDE_PESTER_PATHS = $paths -join [IO.Path]::PathSeparator
    $pwshArgs = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $runner,
        '-PesterModule', $Tools.Pester, '-ResultFile', $resultFile)
    & $pwsh[0] @pwshArgs | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path $resultFile)) {
        Write-Warning "The Pester run exited with code $exit without writing results."
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    return Get-Content $resultFile -Raw | ConvertFrom-Json
}

function New-Package {
    $manifest = Import-PowerShellDataFile (Join-Path $ModuleDir 'AnyClaude.psd1')
    $version = $manifest.ModuleVersion
    $zip = Join-Path $OutputPath "AnyClaude-$version.zip"
    Remove-Item $zip -ErrorAction Ignore
    Compress-Archive -Path (Join-Path $ModuleDir '*') -DestinationPath $zip

    # A .nupkg is a zip with a .nuspec and a content-types part; this is the layout PowerShellGet installs.
    $staging = Join-Path $Artifacts 'package-staging'
    if (Test-Path $staging) { Remove-Item $staging -Recurse -Force }
    Copy-Item $ModuleDir $staging -Recurse
    $escape = { param($s) [Security.SecurityElement]::Escape([string]$s) }
    $nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>AnyClaude</id>
    <version>$version</version>
    <authors>$(& $escape $manifest.Author)</authors>
    <description>$(& $escape $manifest.Description)</description>
    <projectUrl>$(& $escape $manifest.PrivateData.PSData.ProjectUri)</projectUrl>
    <tags>$(& $escape (($manifest.PrivateData.PSData.Tags + 'PSModule') -join ' '))</tags>
  </metadata>
</package>
"@
    Set-Content (Join-Path $staging 'AnyClaude.nuspec') $nuspec
    Set-Content -LiteralPath (Join-Path $staging '[Content_Types].xml') '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/octet" /><Default Extension="dll" ContentType="application/octet" /><Default Extension="psd1" ContentType="application/octet" /><Default Extension="ps1xml" ContentType="application/octet" /><Default Extension="ps1" ContentType="application/octet" /><Default Extension="json" ContentType="application/octet" /><Default Extension="nuspec" ContentType="application/octet" /></Types>'
    $nupkg = Join-Path $OutputPath "AnyClaude.$version.nupkg"
    Remove-Item $nupkg -ErrorAction Ignore
    [IO.Compression.ZipFile]::CreateFromDirectory($staging, $nupkg)
    Write-Host "Packages: $zip, $nupkg" -ForegroundColor Green
}

switch ($Task) {
    'Build' { Build-Module }
    'Package' { Build-Module; New-Package }
    'Run' {
        Build-Module
        Import-Module (Join-Path $ModuleDir 'AnyClaude.psd1') -Force
        $startArgs = @{}
        if ($Mode) { $startArgs.Mode = $Mode }
        $active = if ($Mode) { Get-AnyClaudeMode $Mode } else { Get-AnyClaudeMode | Where-Object IsActive }
        Write-Host "Mode $($active.Mode) (from $(if ($Mode) { '-Mode' } else { $active.ModeSource })): $($active.BaseUrl.AbsoluteUri). Another mode: ./build.ps1 -Task Run -Mode <mode>, or Set-AnyClaudeMode <mode> -Persist."
        try {
            if (Get-Command claude -ErrorAction Ignore) {
                # An unreachable backend is reported (and, interactively, asked about) before Claude Code starts.
                Start-AnyClaude @startArgs -ErrorVariable problems -ErrorAction SilentlyContinue
            }
            else {
                # Without Claude Code the main job is still useful: the proxy alone, for any Anthropic client.
                Write-Host 'claude is not on PATH (npm install -g @anthropic-ai/claude-code): starting the proxy only.'
                $proxy = Start-AnyClaude @startArgs -NoLaunch -ErrorVariable problems -ErrorAction SilentlyContinue
                foreach ($problem in $problems) { Write-Host "Problem: $($problem.Exception.Message)" }
                $problems = @()
                Write-Host "Proxy: $($proxy.BaseUrl.AbsoluteUri)  Token: $($proxy.Token)"
                Write-Host 'Point an Anthropic client at that URL with the token as its API key. Press Enter to stop.'
                [void][Console]::In.ReadLine() # returns at once when there is no input (CI)
                Stop-AnyClaude -PassThru | Format-List | Out-Host
            }
            foreach ($problem in $problems) { Write-Host "Problem: $($problem.Exception.Message)" }
        }
        catch {
            # A terminating error (headless run against a dead backend, port in use, ...): its message, not a script trace.
            Write-Host "Problem: $($_.Exception.Message)"
            exit 1
        }
    }
    'Test' {
        Build-Module
        $tools = Install-TestTools
        $xunit = if ($SkipXunit) { [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 } } else { Invoke-Xunit }
        $pester = Invoke-PesterSuite -Tools $tools
        Write-Host "xunit:  $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped"
        Write-Host "Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
        $passed = $xunit.Passed + $pester.Passed
        $failed = $xunit.Failed + $pester.Failed
        $skipped = $xunit.Skipped + $pester.Skipped
        # The plain closing line CI reads.
        Write-Host "$passed passed, $failed failed, $skipped skipped"
        if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
    }
}
