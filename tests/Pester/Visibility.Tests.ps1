# Seeing what the proxy does from any window (issue 11): records of another process's proxy, -All -Request,
# the live view (-Wait), a finished session's records, Claude Code's status line, the start-time backend check.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $script:saved = Enter-IsolatedEnvironment -Root $TestDrive
    $script:lmstudio = Start-FakeBackend -Flavor lmstudio -Model 'lm-fake'
    function Set-BackendEnvironment { $env:LMSTUDIO_URL = $lmstudio.BaseUrl }

    # A child pwsh holding a proxy (with one request served) until its stdin closes; its first line describes it.
    $script:ProxyChildScript = @'
Import-Module $ModulePath
$p = Start-AnyClaude -NoLaunch LmStudio
$body = '{"model":"claude-sonnet-4-5","max_tokens":16,"stream":false,"messages":[{"role":"user","content":"from the child"}]}'
Invoke-RestMethod -Method Post -Uri "$($p.BaseUrl)v1/messages" -Body $body -ContentType 'application/json' -Headers @{ 'x-api-key' = $p.Token } | Out-Null
[pscustomobject]@{ Port = $p.Port; Pid = $PID; BaseUrl = "$($p.BaseUrl)"; Token = $p.Token } | ConvertTo-Json -Compress
[Console]::In.ReadLine() | Out-Null
'@
}

AfterAll {
    Reset-AnyClaudeSession
    Stop-FakeBackend $lmstudio
    Exit-IsolatedEnvironment $saved
}

Describe 'Records from any window' {
    BeforeEach { Reset-AnyClaudeSession; Set-BackendEnvironment }

    It 'Get-AnyClaude -Request in another process reads the running proxy''s records' {
        $child = Start-ChildPwsh -Environment @{ LMSTUDIO_URL = $lmstudio.BaseUrl } -Script $ProxyChildScript
        try {
            $remote = $child.FirstLine | ConvertFrom-Json
            Get-AnyClaude | Should -BeNullOrEmpty -Because 'this session runs no proxy of its own'
            $records = @(Get-AnyClaude -Request)
            $records.Count | Should -Be 1
            $records[0] | Should -BeOfType ([AnyClaude.Cmdlets.RequestInfo])
            $records[0].Path | Should -Be '/v1/messages'
            $records[0].Status | Should -Be 200
            $records[0].ProxyId | Should -Be $remote.Pid
            $records[0].Port | Should -Be $remote.Port
            @(Get-AnyClaude -Request -Last 1).Count | Should -Be 1
        } finally {
            Stop-ChildPwsh $child
        }
    }

    It 'Get-AnyClaude -All -Request merges every running proxy''s records, with ProxyId and Port' {
        $child = Start-ChildPwsh -Environment @{ LMSTUDIO_URL = $lmstudio.BaseUrl } -Script $ProxyChildScript
        try {
            $remote = $child.FirstLine | ConvertFrom-Json
            $own = Start-AnyClaude -NoLaunch LmStudio
            Send-ProxyMessage -Proxy $own -Text 'from the parent' | Out-Null
            $records = @(Get-AnyClaude -All -Request)
            $records.Count | Should -Be 2
            ($records.ProxyId | Sort-Object) | Should -Be (@($PID, $remote.Pid) | Sort-Object)
            ($records | Where-Object ProxyId -EQ $PID).Port | Should -Be $own.Port
            ($records | Where-Object ProxyId -EQ $remote.Pid).Port | Should -Be $remote.Port
            $records[0].Time | Should -BeLessOrEqual $records[1].Time -Because 'merged records come oldest first'
        } finally {
            Stop-ChildPwsh $child
        }
    }

    It 'warns when no proxy runs anywhere, instead of returning nothing silently' {
        $records = @(Get-AnyClaude -Request -WarningVariable warnings -WarningAction SilentlyContinue)
        $records.Count | Should -Be 0
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -Match 'Start-AnyClaude'
        "$($warnings[0])" | Should -Match '-Session Last'
    }
}

Describe 'Live view (-Wait)' {
    BeforeEach { Reset-AnyClaudeSession; Set-BackendEnvironment }

    It 'streams each record to another process as its request completes' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        Send-ProxyMessage -Proxy $proxy -Text 'before the monitor' | Out-Null
        $child = Start-ChildPwsh -Script @'
Import-Module $ModulePath
'ready'
Get-AnyClaude -Request -Wait | ForEach-Object { [pscustomobject]@{ Id = $_.Id; ProxyId = $_.ProxyId; Status = $_.Status } | ConvertTo-Json -Compress }
'@
        try {
            $child.FirstLine | Should -Be 'ready'
            $lines = [Collections.Generic.List[object]]::new()
            $read = { param($t) $r = $child.Process.StandardOutput.ReadLineAsync(); if ($r.Wait([TimeSpan]::FromSeconds($t))) { $r.Result } else { throw 'no line within the timeout' } }
            $lines.Add((& $read 60 | ConvertFrom-Json)) # the backlog: the request made before -Wait started
            Send-ProxyMessage -Proxy $proxy -Text 'live one' | Out-Null
            $lines.Add((& $read 30 | ConvertFrom-Json))
            Send-ProxyMessage -Proxy $proxy -Text 'live two' | Out-Null
            $lines.Add((& $read 30 | ConvertFrom-Json))
            $ids = @(Get-AnyClaude -Request).Id
            $lines.Id | Should -Be $ids -Because 'each record arrives once, in order, as it completes'
            $lines.ProxyId | Should -Be @($PID, $PID, $PID)
        } finally {
            $child.Process.Kill($true)
            Remove-Item $child.ScriptFile -ErrorAction Ignore
        }
    }

    It 'stops at once when the pipeline is stopped (Ctrl+C)' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument((Get-BuiltModulePath)).AddStatement().AddCommand('Get-AnyClaude').AddParameter('Request').AddParameter('Wait')
            $output = [Management.Automation.PSDataCollection[psobject]]::new()
            $noInput = [Management.Automation.PSDataCollection[psobject]]::new()
            $noInput.Complete() # an open input collection would hold the pipeline before EndProcessing
            $null = $ps.BeginInvoke($noInput, $output)
            Send-ProxyMessage -Proxy $proxy -Text 'seen live' | Out-Null
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ($output.Count -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $output.Count | Should -Be 1
            $ps.InvocationStateInfo.State | Should -Be 'Running' -Because '-Wait keeps waiting for the next record'
            $stop = $ps.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(5)) | Should -BeTrue -Because 'Ctrl+C cancels the wait at the proxy'
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            $ps.Dispose()
        }
    }
}

Describe 'A finished session''s records' {
    BeforeEach { Reset-AnyClaudeSession; Set-BackendEnvironment }

    It 'are kept after the proxy stops and read back with -Session Last or its id' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        Send-ProxyMessage -Proxy $proxy -Text 'kept one' | Out-Null
        Send-ProxyMessage -Proxy $proxy -Text 'kept two' | Out-Null
        $live = @(Get-AnyClaude -Request)
        Stop-AnyClaude
        $kept = @(Get-AnyClaude -Request -Session Last)
        $kept.Count | Should -Be 2
        $kept.Id | Should -Be $live.Id
        $kept[0].CachedTokens | Should -Be $live[0].CachedTokens
        $kept[0].ProxyId | Should -Be $PID
        $kept[0].Port | Should -Be $proxy.Port

        $file = Get-ChildItem (Join-Path $env:ANYCLAUDE_STATE_DIR 'sessions') -Filter '*.jsonl' | Sort-Object Name | Select-Object -Last 1
        @(Get-AnyClaude -Request -Session $file.BaseName).Id | Should -Be $live.Id
        Get-Content $file.FullName -Raw | Should -Not -Match ([regex]::Escape($proxy.Token)) -Because 'secrets are never written'
        if (-not $IsWindows) {
            (Get-Item $file.FullName).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
            (Get-Item (Split-Path $file.FullName)).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        }
    }

    It 'Last skips the session of a proxy that is still running' {
        $first = Start-AnyClaude -NoLaunch LmStudio
        Send-ProxyMessage -Proxy $first -Text 'finished session' | Out-Null
        $finishedId = @(Get-AnyClaude -Request)[0].Id
        Stop-AnyClaude
        $running = Start-AnyClaude -NoLaunch LmStudio
        Send-ProxyMessage -Proxy $running -Text 'running session' | Out-Null
        @(Get-AnyClaude -Request -Session Last).Id | Should -Be @($finishedId)
    }

    It 'reports an unknown session id with the ids it knows' {
        $err = { Get-AnyClaude -Request -Session 'no-such-session' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SessionNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
