# Shared by the Pester suites: where the built module and tools are, the fake backend, child pwsh
# processes, and an environment that never touches the real user's config or state.
Set-StrictMode -Version 3.0

$script:Repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ConfigVariables = @(
    'ANYCLAUDE_MODE', 'ANYCLAUDE_PORT', 'ANYCLAUDE_CONFIG', 'ANYCLAUDE_STATE_DIR',
    'LMSTUDIO_URL', 'LMSTUDIO_MODEL', 'LMSTUDIO_API_KEY', 'MLX_LM_URL', 'MLX_LM_MODEL', 'MLX_LM_API_KEY', 'ANTHROPIC_API_KEY',
    'ANYCLAUDE_OPENAI_URL', 'ANYCLAUDE_OPENAI_MODEL', 'ANYCLAUDE_OPENAI_API_KEY',
    'ANYCLAUDE_ANTHROPIC_COMPATIBLE_URL', 'ANYCLAUDE_ANTHROPIC_COMPATIBLE_MODEL', 'ANYCLAUDE_ANTHROPIC_COMPATIBLE_API_KEY'
)

function Get-BuiltModulePath {
    if ($env:ANYCLAUDE_MODULE_PATH) { return $env:ANYCLAUDE_MODULE_PATH }
    return Join-Path $script:Repo 'out/AnyClaude/AnyClaude.psd1'
}

function Get-PackagePath {
    # The module package build.ps1 -Task Package (and -Task Test) writes beside the built module.
    if ($env:ANYCLAUDE_PACKAGE) { return $env:ANYCLAUDE_PACKAGE }
    $manifest = Get-BuiltModulePath
    if (-not (Test-Path $manifest)) { return $null }
    $version = (Import-PowerShellDataFile $manifest).ModuleVersion
    return Join-Path (Split-Path (Split-Path $manifest)) "AnyClaude.$version.nupkg"
}

function New-IsolatedUserHome {
    # Makes a user home at $Root and returns the environment of its user: HOME, XDG and Windows profile folders
    # point inside it, PSModulePath is left for pwsh to compose from that home, and nothing AnyClaude reads is
    # inherited. The folders exist as in a real home: PSResourceGet writes its repository list relative to the
    # working directory when the data folder is missing (GetFolderPath returns '' for a missing folder).
    param([Parameter(Mandatory)][string] $Root)
    $environment = @{
        HOME = $Root; USERPROFILE = $Root; PSModulePath = $null
        XDG_CONFIG_HOME = Join-Path $Root '.config'; XDG_DATA_HOME = Join-Path $Root '.local/share'
        XDG_CACHE_HOME = Join-Path $Root '.cache'; XDG_STATE_HOME = Join-Path $Root '.local/state'
        APPDATA = Join-Path $Root 'AppData/Roaming'; LOCALAPPDATA = Join-Path $Root 'AppData/Local'
    }
    foreach ($name in 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME', 'APPDATA', 'LOCALAPPDATA') {
        New-Item -ItemType Directory -Force $environment[$name] | Out-Null
    }
    foreach ($name in $script:ConfigVariables) { $environment[$name] = $null }
    return $environment
}

function Get-FakeBackendPath {
    if ($env:ANYCLAUDE_FAKE_BACKEND) { return $env:ANYCLAUDE_FAKE_BACKEND }
    $artifacts = if ($env:ANYCLAUDE_ARTIFACTS) { $env:ANYCLAUDE_ARTIFACTS } else { Join-Path $script:Repo 'artifacts' }
    return Join-Path $artifacts 'bin/AnyClaude.FakeBackend/release/AnyClaude.FakeBackend.dll'
}

function Get-PwshCommand {
    # How to start a fresh pwsh like this one ('dotnet <pwsh.dll>' for the local dotnet tool).
    if ($env:ANYCLAUDE_PWSH) { return @($env:ANYCLAUDE_PWSH | ConvertFrom-Json) }
    $processPath = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'dotnet') { return @($processPath, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($processPath)
}

function Enter-IsolatedEnvironment {
    # Points config and state into $Root, clears every variable AnyClaude reads; returns what to restore.
    param([Parameter(Mandatory)][string] $Root)
    $saved = @{}
    foreach ($name in $script:ConfigVariables) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    New-Item -ItemType Directory -Force (Join-Path $Root 'state') | Out-Null
    $env:ANYCLAUDE_CONFIG = Join-Path $Root 'config.json'
    $env:ANYCLAUDE_STATE_DIR = Join-Path $Root 'state'
    return $saved
}

function Exit-IsolatedEnvironment {
    param([Parameter(Mandatory)][hashtable] $Saved)
    foreach ($name in $Saved.Keys) { [Environment]::SetEnvironmentVariable($name, $Saved[$name]) }
}

function Reset-AnyClaudeSession {
    # Stops the session proxy and forgets Set-AnyClaudeMode's session settings between tests.
    Stop-AnyClaude -Confirm:$false
    $assembly = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AnyClaude.Cmdlets' } | Select-Object -First 1
    $assembly.GetType('AnyClaude.Cmdlets.Session.SessionDefaults').GetMethod('Clear').Invoke($null, @()) | Out-Null
    $env:ANYCLAUDE_MODE = $null
}

function Start-FakeBackend {
    # Starts the fake OpenAI-compatible server; it lives until Stop-FakeBackend closes its stdin.
    param(
        [ValidateSet('lmstudio', 'mlx-lm')][string] $Flavor = 'lmstudio',
        [string] $Model = 'fake-model',
        [string[]] $ExtraArgument = @()
    )
    $info = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @((Get-FakeBackendPath), '--flavor', $Flavor, '--port', '0', '--model', $Model) + $ExtraArgument) { $info.ArgumentList.Add($a) }
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardInput = $true
    $process = [Diagnostics.Process]::Start($info)
    $read = $process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait([TimeSpan]::FromSeconds(60)) -or -not $read.Result) {
        $process.Kill($true)
        throw "The fake backend ($Flavor) did not report its port."
    }
    $ready = $read.Result | ConvertFrom-Json
    $root = "http://127.0.0.1:$($ready.port)"
    return [pscustomobject]@{ Process = $process; Port = [int]$ready.port; BaseUrl = "$root/v1"; Root = $root; Flavor = $Flavor; Model = $Model }
}

function Stop-FakeBackend {
    param($Fake)
    if (-not $Fake) { return }
    try { $Fake.Process.StandardInput.Close() } catch { }
    if (-not $Fake.Process.WaitForExit(5000)) { $Fake.Process.Kill($true) }
}

function Get-FakeRequest {
    # What the fake received (chat completions, models, ...), oldest first; -Chat keeps chat completions.
    param([Parameter(Mandatory)] $Fake, [switch] $Chat)
    $json = (Invoke-WebRequest "$($Fake.Root)/_fake/requests").Content
    $all = @(ConvertFrom-Json $json -NoEnumerate | ForEach-Object { $_ })
    if ($Chat) { return @($all | Where-Object { $_.path -eq '/v1/chat/completions' }) }
    return $all
}

function Reset-FakeBackend {
    param([Parameter(Mandatory)] $Fake)
    Invoke-RestMethod -Method Post "$($Fake.Root)/_fake/reset" | Out-Null
}

function Send-ProxyMessage {
    # One streaming Messages API call through a proxy, as Claude Code sends it; returns the reply text and events.
    param([Parameter(Mandatory)] $Proxy, [string] $Text = 'hello', [string] $Model = 'claude-sonnet-4-5')
    $body = @{ model = $Model; max_tokens = 64; stream = $true; messages = @(@{ role = 'user'; content = $Text }) } | ConvertTo-Json -Depth 5
    $uri = [Uri]::new([Uri]$Proxy.BaseUrl, '/v1/messages')
    $response = Invoke-WebRequest -Method Post -Uri $uri -Body $body -ContentType 'application/json' -Headers @{ 'x-api-key' = $Proxy.Token; 'anthropic-version' = '2023-06-01' }
    $content = if ($response.Content -is [byte[]]) { [Text.Encoding]::UTF8.GetString($response.Content) } else { $response.Content }
    $events = @($content -split "`n" | Where-Object { $_ -like 'data:*' } | ForEach-Object { $_.Substring(5).Trim() | ConvertFrom-Json })
    $reply = -join @($events | Where-Object { $_.type -eq 'content_block_delta' -and $_.delta.type -eq 'text_delta' } | ForEach-Object { $_.delta.text })
    return [pscustomobject]@{ Text = $reply; Events = $events }
}

function Get-FreePort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $port = $listener.LocalEndpoint.Port
    $listener.Stop()
    return $port
}

function Test-PortFree {
    param([int] $Port)
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, $Port)
    try { $listener.Start(); return $true } catch { return $false } finally { $listener.Stop() }
}

function New-ChildPwshStartInfo {
    param([string] $ScriptPath, [hashtable] $Environment)
    $pwsh = @(Get-PwshCommand)
    $info = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $ScriptPath)) { $info.ArgumentList.Add($a) }
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    if ($Environment) {
        foreach ($k in $Environment.Keys) {
            if ($null -eq $Environment[$k]) { $info.Environment.Remove($k) | Out-Null } else { $info.Environment[$k] = [string]$Environment[$k] }
        }
    }
    return $info
}

function Invoke-ChildPwsh {
    # Runs a script in a fresh pwsh (the built module path is in $ModulePath there) and returns its output.
    param(
        [Parameter(Mandatory)][string] $Script,
        [hashtable] $Environment = @{},
        [int] $TimeoutSeconds = 300
    )
    $file = Join-Path ([IO.Path]::GetTempPath()) "anyclaude-child-$([Guid]::NewGuid().ToString('n')).ps1"
    Set-Content $file ("`$ModulePath = '$((Get-BuiltModulePath) -replace "'", "''")'`n" + $Script)
    try {
        $process = [Diagnostics.Process]::Start((New-ChildPwshStartInfo $file $Environment))
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "The child pwsh did not finish within $TimeoutSeconds s. Output so far: $($stdout.Result)"
        }
        $process.WaitForExit()
        return [pscustomobject]@{ ExitCode = $process.ExitCode; StdOut = $stdout.Result; StdErr = $stderr.Result }
    } finally {
        Remove-Item $file -ErrorAction Ignore
    }
}

function Start-ChildPwsh {
    # Starts a script in a fresh pwsh and returns once it printed its first line; it runs until its stdin closes.
    param([Parameter(Mandatory)][string] $Script, [hashtable] $Environment = @{})
    $file = Join-Path ([IO.Path]::GetTempPath()) "anyclaude-child-$([Guid]::NewGuid().ToString('n')).ps1"
    Set-Content $file ("`$ModulePath = '$((Get-BuiltModulePath) -replace "'", "''")'`n" + $Script)
    $process = [Diagnostics.Process]::Start((New-ChildPwshStartInfo $file $Environment))
    $read = $process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait([TimeSpan]::FromSeconds(120))) {
        $process.Kill($true)
        throw "The child pwsh printed nothing within 120 s: $($process.StandardError.ReadToEnd())"
    }
    return [pscustomobject]@{ Process = $process; FirstLine = $read.Result; ScriptFile = $file }
}

function Stop-ChildPwsh {
    param($Child)
    if (-not $Child) { return }
    try { $Child.Process.StandardInput.Close() } catch { }
    if (-not $Child.Process.WaitForExit(30000)) { $Child.Process.Kill($true) }
    Remove-Item $Child.ScriptFile -ErrorAction Ignore
}

function Add-ProxyStateFile {
    # The state file another window's proxy leaves, for a window that does not answer as a proxy: $ProcessId is a
    # live process of this user other than this one (a proxy's state names its pwsh), $Port what the file points at.
    # Returns the file's path; remove it when done (the process stays alive, so the file would stay live).
    param([Parameter(Mandatory)][int] $ProcessId, [Parameter(Mandatory)][int] $Port)
    $path = Join-Path $env:ANYCLAUDE_STATE_DIR "proxy-$ProcessId-$Port.json"
    $state = [ordered]@{ pid = $ProcessId; port = $Port; controlToken = 'control-token-of-the-other-window'; baseUrl = "http://127.0.0.1:$Port/"; startedAt = [DateTimeOffset]::UtcNow.ToString('O') }
    Set-Content -LiteralPath $path -Value ($state | ConvertTo-Json -Compress)
    if (-not $IsWindows) { chmod 600 $path }
    return $path
}

function Stop-AfterFirstRequest {
    # Ctrl+C, as a user does it: runs the module commands $Configure adds to a fresh runspace, stops the pipeline once
    # the first chat request reached the fake backend $Fake, and returns the pipeline's final state.
    param([Parameter(Mandatory)] $Fake, [Parameter(Mandatory)] [scriptblock] $Configure)
    $ps = [powershell]::Create()
    try {
        $null = $ps.AddCommand('Import-Module').AddArgument((Get-BuiltModulePath)).AddStatement()
        & $Configure $ps
        $async = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (@(Get-FakeRequest $Fake -Chat).Count -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $ps.Stop()
        $ps.EndInvoke($async) | Out-Null
    } catch [System.Management.Automation.PipelineStoppedException] {
    } finally {
        $state = $ps.InvocationStateInfo.State
        $ps.Dispose()
    }
    return $state
}

Export-ModuleMember -Function *
