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

Describe 'The README''s "another window" section' {
    BeforeEach { Reset-AnyClaudeSession; Set-BackendEnvironment }

    It 'works as written against a proxy that another process runs' {
        $readme = Get-Content (Join-Path $PSScriptRoot '../../README.md') -Raw
        $section = [regex]::Match($readme, '(?s)In another pwsh window, while that Claude Code session runs:\s*```powershell\r?\n(.*?)```').Groups[1].Value
        $lines = @($section -split '\r?\n' | Where-Object { $_.Trim() })
        $lines.Count | Should -BeGreaterOrEqual 3
        ($lines -match '-Wait').Count | Should -BeGreaterOrEqual 1 -Because 'the section shows the live view'
        $child = Start-ChildPwsh -Environment @{ LMSTUDIO_URL = $lmstudio.BaseUrl } -Script $ProxyChildScript
        try {
            # Every line but the live view (which runs until Ctrl+C, tested below) runs as written.
            foreach ($line in $lines | Where-Object { $_ -notmatch '-Wait' }) {
                $code = ($line -replace '\s+#.*$', '').Trim()
                $out = Invoke-Expression $code -ErrorVariable problems 3>&1 | Out-String
                $problems | Should -BeNullOrEmpty -Because $code
                if ($code -like 'Get-AnyClaude -Request*') { $out | Should -Match '/v1/messages|LmStudio' -Because "$code shows the other window's request" }
            }
        } finally {
            Stop-ChildPwsh $child
        }
    }
}

Describe 'Live view (-Wait)' {
    BeforeEach { Reset-AnyClaudeSession; Set-BackendEnvironment }

    It 'streams each record to another process as its request completes' {
        $proxy = Start-AnyClaude -NoLaunch LmStudio
        # Prompts large enough to set LM Studio's cold rate, so live records carry the cache estimate too.
        $long = ' and some context to read' * 80
        Send-ProxyMessage -Proxy $proxy -Text "before the monitor$long" | Out-Null
        $child = Start-ChildPwsh -Script @'
Import-Module $ModulePath
'ready'
Get-AnyClaude -Request -Wait | ForEach-Object { [pscustomobject]@{ Id = $_.Id; ProxyId = $_.ProxyId; Status = $_.Status; Estimated = $_.EstimatedCachedTokens } | ConvertTo-Json -Compress }
'@
        try {
            $child.FirstLine | Should -Be 'ready'
            $lines = [Collections.Generic.List[object]]::new()
            $read = { param($t) $r = $child.Process.StandardOutput.ReadLineAsync(); if ($r.Wait([TimeSpan]::FromSeconds($t))) { $r.Result } else { throw 'no line within the timeout' } }
            $lines.Add((& $read 60 | ConvertFrom-Json)) # the backlog: the request made before -Wait started
            Send-ProxyMessage -Proxy $proxy -Text "live one$long" | Out-Null
            $lines.Add((& $read 30 | ConvertFrom-Json))
            Send-ProxyMessage -Proxy $proxy -Text "live two$long" | Out-Null
            $lines.Add((& $read 30 | ConvertFrom-Json))
            $ids = @(Get-AnyClaude -Request).Id
            $lines.Id | Should -Be $ids -Because 'each record arrives once, in order, as it completes'
            $lines.ProxyId | Should -Be @($PID, $PID, $PID)
            $lines | ForEach-Object { $_.Estimated | Should -Not -BeNullOrEmpty -Because 'LM Studio reports no cached tokens: live records get the estimate as the snapshot does' }
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

Describe 'Claude Code''s status line' {
    BeforeAll {
        function New-StandInClaude([string] $Body) {
            $path = Join-Path $TestDrive "claude-$([Guid]::NewGuid().ToString('n').Substring(0, 8))"
            Set-Content $path "#!/bin/sh`n$Body"
            chmod +x $path
            return $path
        }
        $script:noCurl = $IsWindows -or -not (Get-Command curl -ErrorAction Ignore)
        if ($env:CI -eq 'true' -and -not $IsWindows -and $noCurl) { throw 'curl is required in CI for the status-line test.' }
    }
    BeforeEach { Reset-AnyClaudeSession; Set-BackendEnvironment }

    It 'is added with --settings and its command prints the running proxy''s status, updated per turn' -Skip:$noCurl {
        $dir = Join-Path $TestDrive 'statusline'
        New-Item -ItemType Directory -Force $dir | Out-Null
        # The stand-in does what Claude Code does: read --settings, run the status-line command through sh (with
        # the session JSON on stdin) before and after a turn.
        $claude = New-StandInClaude @"
for a in "`$@"; do echo "[`$a]"; done > '$dir/args.txt'
cp "`$2" '$dir/settings.json'
cmd=`$(sed -n 's/.*"command":"\([^"]*\)".*/\1/p' "`$2")
echo '{"session_id":"s"}' | sh -c "`$cmd" > '$dir/before.txt'
curl -s -o /dev/null -H "x-api-key: `$ANTHROPIC_AUTH_TOKEN" -H 'content-type: application/json' -d '{"model":"claude-sonnet-4-5","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]}' "`$ANTHROPIC_BASE_URL/v1/messages"
echo '{"session_id":"s"}' | sh -c "`$cmd" > '$dir/after.txt'
"@
        Start-AnyClaude LmStudio -Model 'lm-fake' -ClaudePath $claude
        $LASTEXITCODE | Should -Be 0
        $args = @(Get-Content "$dir/args.txt")
        $args[0] | Should -Be '[--settings]'
        $settings = Get-Content "$dir/settings.json" -Raw | ConvertFrom-Json
        $settings.statusLine.type | Should -Be 'command'
        $settings.statusLine.command | Should -BeLike 'cat *statusline-*.txt*'
        Get-Content "$dir/before.txt" | Should -Be 'LmStudio · lm-fake · no turn yet · 0 errors'
        Get-Content "$dir/after.txt" | Should -Match '^LmStudio · lm-fake · (cached \d+%|prefill \d+\.\ds)( · ctx \d+% of \d+K)?( · [\d.]+ tok/s)? · 0 errors$'
        Get-ChildItem $env:ANYCLAUDE_STATE_DIR -Filter 'statusline-*' | Should -BeNullOrEmpty -Because 'the proxy removes its status files when it stops'
    }

    It 'is left out with -NoStatusLine' {
        $argsFile = Join-Path $TestDrive 'nostatus-args.txt'
        $settingsCopy = Join-Path $TestDrive 'nostatus-settings.json'
        $claude = New-StandInClaude "for a in `"`$@`"; do echo `"[`$a]`"; done > '$argsFile'; cp `"`$2`" '$settingsCopy'"
        Start-AnyClaude -ClaudePath $claude -NoStatusLine -ArgumentList '--verbose'
        # The /model picker's settings still come (issue 18), without a status line.
        $args = @(Get-Content $argsFile)
        $args[0] | Should -Be '[--settings]'
        $args[-1] | Should -Be '[--verbose]'
        $settings = Get-Content $settingsCopy -Raw | ConvertFrom-Json
        $settings.PSObject.Properties.Name | Should -Not -Contain 'statusLine'
        $settings.modelPicker.options.Count | Should -BeGreaterThan 0
    }
}

Describe 'A dead backend at start' {
    BeforeAll {
        function New-StandInClaude([string] $Marker) {
            $path = Join-Path $TestDrive "claude-$([Guid]::NewGuid().ToString('n').Substring(0, 8))"
            if ($IsWindows) { $path += '.cmd'; Set-Content $path "@echo off`r`necho launched> `"$Marker`"" }
            else { Set-Content $path "#!/bin/sh`necho launched > '$Marker'"; chmod +x $path }
            return $path
        }
    }
    BeforeEach { Reset-AnyClaudeSession; $env:LMSTUDIO_URL = "http://127.0.0.1:$(Get-FreePort)/v1" }
    AfterEach { Set-BackendEnvironment }

    It 'fails a headless run fast with an ErrorRecord, before launching claude' {
        $marker = Join-Path $TestDrive 'headless-launched.txt'
        # -ErrorAction Continue: the failure is terminating, not an error written on the way to launching anyway.
        $err = { Start-AnyClaude LmStudio -ClaudePath (New-StandInClaude $marker) -ArgumentList '-p', 'hi' -ErrorAction Continue 2>$null } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'BackendUnreachable,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -Match 'Set-AnyClaudeMode LmStudio -BaseUrl'
        $marker | Should -Not -Exist
        Get-AnyClaude | Should -BeNullOrEmpty -Because 'the proxy it started is stopped'
    }

    It 'launches with a warning under -Force' {
        $marker = Join-Path $TestDrive 'force-launched.txt'
        Start-AnyClaude LmStudio -ClaudePath (New-StandInClaude $marker) -Force -WarningVariable warnings -WarningAction SilentlyContinue
        $marker | Should -Exist
        "$warnings" | Should -Match 'not reachable'
    }

    It 'fails instead of hanging or launching when the host cannot ask' {
        $marker = Join-Path $TestDrive 'noninteractive-launched.txt'
        $claude = New-StandInClaude $marker
        $result = Invoke-ChildPwsh -Environment @{ LMSTUDIO_URL = $env:LMSTUDIO_URL } -Script @"
Import-Module `$ModulePath
try { Start-AnyClaude LmStudio -ClaudePath '$claude' } catch { 'ERROR ' + `$_.FullyQualifiedErrorId }
"@
        $result.StdOut | Should -Match 'ERROR BackendUnreachable'
        $marker | Should -Not -Exist
    }

    It 'asks in an interactive session and launches only on yes' -TestCases @(
        @{ Answer = 'n'; Launched = $false }
        @{ Answer = 'y'; Launched = $true }
    ) {
        $marker = Join-Path $TestDrive "interactive-$Answer.txt"
        $claude = New-StandInClaude $marker
        $file = Join-Path $TestDrive "interactive-$Answer.ps1"
        Set-Content $file "Import-Module '$((Get-BuiltModulePath) -replace "'", "''")'`nStart-AnyClaude LmStudio -ClaudePath '$claude'`n'done'"
        # An interactive pwsh (no -NonInteractive) whose console input is the answer typed at the prompt.
        $info = New-ChildPwshStartInfo $file @{ LMSTUDIO_URL = $env:LMSTUDIO_URL }
        $info.ArgumentList.Remove('-NonInteractive') | Should -BeTrue
        $process = [Diagnostics.Process]::Start($info)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $process.StandardInput.WriteLine($Answer)
        $process.StandardInput.Close()
        $process.WaitForExit(120000) | Should -BeTrue
        $text = $stdout.Result
        $text | Should -Match 'The LmStudio backend does not answer'
        $text | Should -Match 'Launch Claude Code anyway\?'
        $text | Should -Match 'done'
        Test-Path $marker | Should -Be $Launched
        if (-not $Launched) { $text | Should -Match 'Claude Code was not launched' }
    }
}

Describe 'Default views' {
    It 'Test-AnyClaudeBackend''s table shows what to do for a failed check' {
        $dead = "http://127.0.0.1:$(Get-FreePort)/v1"
        $checks = @(Test-AnyClaudeBackend LmStudio -BaseUrl $dead)
        $failed = $checks | Where-Object { $_.Status -eq 'Failed' -and $_.Advice } | Select-Object -First 1
        $failed | Should -Not -BeNullOrEmpty
        $table = ($checks | Out-String -Width 500) -replace '\s+', ' '
        $table | Should -Match ([regex]::Escape(($failed.Advice -replace '\s+', ' ')))
    }

    It 'the records table shows the cached share of each prompt' {
        $record = [AnyClaude.Cmdlets.RequestInfo]@{ Id = 'r'; Time = [DateTimeOffset]::Now; Path = '/v1/messages'; Mode = 'MlxLm'; InputTokens = 100; CachedTokens = 900; Status = 200 }
        $table = $record | Out-String -Width 300
        $table | Should -Match 'Cache%'
        $table | Should -Match '90\s?%'
    }
}
