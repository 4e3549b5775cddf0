#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, packages or runs the AnyClaude module. Plain pwsh and dotnet; no build module needed.
.DESCRIPTION
    Build   (default) lays out an importable module in <OutputPath>/AnyClaude:
            AnyClaude.psd1, AnyClaude.Cmdlets.dll, en-US/ help, format files, Checklist/, and deps/ with the
            engine (AnyClaude.Proxy), its diagnostics (AnyClaude.Diagnostics) and their whole dependency closure, loaded in the module's own load context.
    Test    builds and packages, installs what the tests need (Pester from NuGet, the pinned Claude Code CLIs from npm),
            runs xunit over the solution, the engine's xunit tests again on .NET 8 (pwsh 7.4's runtime, self-contained
            from NuGet's runtime pack), and Pester over tests/Pester in a fresh pwsh, prints the combined
            totals as "N passed, N failed, N skipped" and exits non-zero on any failure.
    Package builds the module package <OutputPath>/AnyClaude.<version>.nupkg with PSResourceGet (what
            Install-PSResource installs; release notes from CHANGELOG.md) and prints its file list.
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
    [string[]] $ClaudeCodeVersion = @('2.1.332', '2.1.197', '2.0.77'),

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

    # The diagnostics' full dependency closure (the engine and its packages with it) goes to deps/: the module's
    # load context resolves from there.
    Invoke-Native dotnet publish (Join-Path $Repo 'src/Diagnostics/AnyClaude.Diagnostics.csproj') -c $Configuration -o $deps --nologo
    Invoke-Native dotnet build (Join-Path $Repo 'src/Cmdlets/AnyClaude.Cmdlets.csproj') -c $Configuration --nologo
    # Only what runs: the load context resolves deps/ by file name, so no .pdb, .deps.json or XML docs.
    Get-ChildItem $deps -Include '*.pdb', '*.deps.json', '*.xml' -Recurse | Remove-Item

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
    Copy-Item (Join-Path $Repo 'module/en-US/about_AnyClaude.help.txt') (Join-Path $ModuleDir 'en-US')
    Copy-Item (Join-Path $Repo 'LICENSE') $ModuleDir
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
    return Get-TrxTotals $results $LASTEXITCODE 'dotnet test'
}

function Get-TrxTotals {
    # Passed/failed/skipped from the TRX files of one dotnet test run. A non-zero exit without a failed test
    # (a build failure or a crashed test host) counts as a failure, so the run cannot look green.
    param([string] $Results, [int] $Exit, [string] $What)
    $totals = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($trx in Get-ChildItem $Results -Filter '*.trx' -Recurse -ErrorAction Ignore) {
        $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        $totals.Passed += [int]$counters.passed
        $totals.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $totals.Skipped += [int]$counters.notExecuted
    }
    if ($Exit -ne 0 -and $totals.Failed -eq 0) {
        Write-Warning "$What exited with code $Exit without reporting failed tests."
        $totals.Failed += 1
    }
    return $totals
}

function Invoke-XunitOnNet8 {
    # The module targets net8.0 for pwsh 7.4 LTS, while the normal run uses the installed .NET 10. pwsh 7.4 itself
    # cannot be restored here (NuGet serves the PowerShell tool and Microsoft.PowerShell.SDK only from 7.6.9 on,
    # which need .NET 10), so the engine's xunit tests run again on .NET 8: built for net8.0 and self-contained
    # with the .NET 8 runtime pack from NuGet, so no .NET 8 install is needed. Own output folder under .cache/
    # (re-runs are incremental). Subset: all but the Claude Code CLI end-to-end tests (they test the CLI, and
    # run on .NET 10), the chat-template renders (jinja2 in python, not .NET) and the fake backend's program tests
    # (they start it with the machine's dotnet).
    $rid = [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $results = Join-Path $Artifacts "TestResults/xunit-net8-$([DateTime]::UtcNow.ToString('yyyyMMddHHmmss'))"
    $savedArtifacts = $env:ANYCLAUDE_ARTIFACTS
    $env:ANYCLAUDE_ARTIFACTS = Join-Path $Repo '.cache/net8/artifacts'
    try {
        & dotnet test (Join-Path $Repo 'tests/AnyClaude.Proxy.Tests/AnyClaude.Proxy.Tests.csproj') -c $Configuration --nologo `
            -p:TestTargetFramework=net8.0 -r $rid -p:SelfContained=true `
            --filter 'FullyQualifiedName!~AnyClaude.Proxy.Tests.ClaudeCode&FullyQualifiedName!~AnyClaude.Proxy.Tests.ChatTemplates&FullyQualifiedName!~FakeBackendProgramTests' `
            --logger trx --results-directory $results | Out-Host
        $exit = $LASTEXITCODE
    } finally {
        $env:ANYCLAUDE_ARTIFACTS = $savedArtifacts
    }
    return Get-TrxTotals $results $exit 'dotnet test on .NET 8'
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

function Get-ReleaseNotes {
    # The CHANGELOG.md section of a version (keep-a-changelog: '## [x.y.z] ...'), else the Unreleased one.
    param([string] $Version)
    $changelog = Get-Content (Join-Path $Repo 'CHANGELOG.md') -Raw
    foreach ($heading in $Version, 'Unreleased') {
        $match = [regex]::Match($changelog, "(?ms)^## \[$([regex]::Escape($heading))\][^\n]*\n(.*?)(?=^## \[|^\[[^\]]+\]:|\z)")
        if ($match.Success -and $match.Groups[1].Value.Trim()) { return "## [$heading]`n`n" + $match.Groups[1].Value.Trim() }
    }
    throw "CHANGELOG.md has no section for $Version and no Unreleased section: a package needs release notes."
}

function New-Package {
    # The package is made by PSResourceGet itself (Compress-PSResource packs like Publish-PSResource does for
    # the PowerShell Gallery), from the module folder as laid out, with this version's release notes.
    if (-not (Get-Command Compress-PSResource -ErrorAction Ignore)) {
        throw 'Packaging needs Microsoft.PowerShell.PSResourceGet 1.1+ (pwsh 7.5+; "dotnet tool restore" gives dotnet pwsh 7.6).'
    }
    $manifestPath = Join-Path $ModuleDir 'AnyClaude.psd1'
    $version = (Import-PowerShellDataFile $manifestPath).ModuleVersion
    $notes = (Get-ReleaseNotes $version) -replace "'", "''"
    $text = Get-Content $manifestPath -Raw
    $stamped = [regex]::Replace($text, "(?m)^(\s*ReleaseNotes\s*=\s*)'(?:[^']|'')*'", { param($m) $m.Groups[1].Value + "'" + $notes + "'" })
    if ($stamped -eq $text -and $text -notmatch [regex]::Escape($notes)) { throw "No ReleaseNotes entry to stamp in $manifestPath." }
    Set-Content $manifestPath $stamped -NoNewline
    Test-ModuleManifest $manifestPath | Out-Null

    $nupkg = Join-Path $OutputPath "AnyClaude.$version.nupkg"
    Remove-Item $nupkg -ErrorAction Ignore
    Compress-PSResource -Path $ModuleDir -DestinationPath $OutputPath
    if (-not (Test-Path $nupkg)) { throw "Compress-PSResource did not write $nupkg." }

    # The file list, for the log and for a reader's eye: what a user's Install-PSResource lays down.
    $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
    try {
        Write-Host "Files in $(Split-Path $nupkg -Leaf):"
        $zip.Entries | Sort-Object FullName | ForEach-Object { Write-Host ('  {0,10:N0}  {1}' -f $_.Length, $_.FullName) }
    } finally {
        $zip.Dispose()
    }
    Write-Host "Package: $nupkg" -ForegroundColor Green
    return $nupkg
}

switch ($Task) {
    'Build' { Build-Module }
    'Package' { Build-Module; New-Package | Out-Null }
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
        $env:ANYCLAUDE_PACKAGE = New-Package | Select-Object -Last 1 # the package suites install it as a user would
        $tools = Install-TestTools
        $xunit = if ($SkipXunit) { [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 } } else { Invoke-Xunit }
        $net8 = if ($SkipXunit) { [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 } } else { Invoke-XunitOnNet8 }
        $pester = Invoke-PesterSuite -Tools $tools
        Write-Host "xunit:  $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped"
        Write-Host "xunit on .NET 8 (pwsh 7.4's runtime): $($net8.Passed) passed, $($net8.Failed) failed, $($net8.Skipped) skipped"
        Write-Host "Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
        $passed = $xunit.Passed + $net8.Passed + $pester.Passed
        $failed = $xunit.Failed + $net8.Failed + $pester.Failed
        $skipped = $xunit.Skipped + $net8.Skipped + $pester.Skipped
        # The plain closing line CI reads.
        Write-Host "$passed passed, $failed failed, $skipped skipped"
        if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
    }
}
