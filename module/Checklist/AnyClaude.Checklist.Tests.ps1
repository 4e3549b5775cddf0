# The AnyClaude deployment checklist (Pester 5). Run it with Invoke-AnyClaudeChecklist, or directly:
#   Invoke-Pester -Container (New-PesterContainer -Path <this file> -Data @{ WarmFraction = 0.3 })
# Empty URLs and models mean "as configured" (parameters > Set-AnyClaudeMode > environment > config file > defaults:
# LM Studio on 1234, mlx_lm.server on 8081). Needs the AnyClaude module loaded.
param(
    [string] $LmStudioUrl,
    [string] $LmStudioModel,
    [string] $MlxLmUrl,
    [string] $MlxLmModel,
    # MLX-LM follow-ups pass when their median time to first token is at most this fraction of the cold first turn's.
    [double] $WarmFraction = 0.5,
    [int] $Turns = 3,
    # Tokens of the benchmark's fixed prompt; 0 means Claude Code's measured size.
    [int] $PromptSize = 0
)

BeforeAll {
    function Get-BackendArguments([string] $Url, [string] $Model) {
        $arguments = @{}
        if ($Url) { $arguments.BaseUrl = $Url }
        if ($Model) { $arguments.Model = $Model }
        $arguments
    }

    function Assert-Check($Checks, [string] $Name) {
        $check = $Checks | Where-Object Check -EQ $Name
        $check | Should -Not -BeNullOrEmpty -Because "Test-AnyClaudeBackend reports a $Name check"
        $check.Status | Should -Be 'Passed' -Because "$($check.Detail). $($check.Advice)"
    }

    $script:lmStudioArgs = Get-BackendArguments $LmStudioUrl $LmStudioModel
    $script:mlxArgs = Get-BackendArguments $MlxLmUrl $MlxLmModel
}

Describe 'LM Studio' -Tag 'LmStudio' {
    BeforeAll {
        $script:lmChecks = @(Test-AnyClaudeBackend -Mode LmStudio @lmStudioArgs)
    }

    It 'the server answers' { Assert-Check $lmChecks 'Server' }
    It 'the model is loaded' {
        $model = $lmChecks | Where-Object Check -EQ 'Model'
        $model.Status | Should -BeIn @('Passed', 'Warning') -Because "$($model.Detail). $($model.Advice)"
    }
    It 'tool calls work' { Assert-Check $lmChecks 'ToolCalls' }
    It 'answers through the proxy in the Anthropic format' { Assert-Check $lmChecks 'ProxyRoundTrip' }
}

Describe 'MLX-LM' -Tag 'MlxLm' {
    BeforeAll {
        $script:mlxChecks = @(Test-AnyClaudeBackend -Mode MlxLm @mlxArgs)
    }

    It 'the server answers' { Assert-Check $mlxChecks 'Server' }
    It 'answers through the proxy in the Anthropic format' { Assert-Check $mlxChecks 'ProxyRoundTrip' }
    It 'serves follow-ups from the cache (warm time to first token at most <WarmFraction> of the cold one)' {
        $size = if ($PromptSize -gt 0) { @{ PromptSize = $PromptSize } } else { @{} }
        $summary = Measure-AnyClaudeCache -Mode MlxLm @mlxArgs @size -Turns ([Math]::Max(2, $Turns)) -Summary -ErrorAction Stop
        $summary.WarmTimeToFirstToken | Should -BeLessOrEqual ($summary.ColdTimeToFirstToken * $WarmFraction) `
            -Because "cold $($summary.ColdTimeToFirstToken) ms, warm $($summary.WarmTimeToFirstToken) ms, hit ratio $($summary.HitRatio)"
    }
}

Describe 'Switching modes through a running proxy' -Tag 'Switching' {
    BeforeAll {
        $script:startedHere = -not (Get-AnyClaude)
        if ($startedHere) {
            # Start with the checklist's URLs (through the environment, restored at once) rather than the defaults.
            $savedUrls = $env:LMSTUDIO_URL, $env:MLX_LM_URL
            if ($LmStudioUrl) { $env:LMSTUDIO_URL = $LmStudioUrl }
            if ($MlxLmUrl) { $env:MLX_LM_URL = $MlxLmUrl }
            try { Start-AnyClaude -NoLaunch -Mode LmStudio | Out-Null }
            finally { $env:LMSTUDIO_URL, $env:MLX_LM_URL = $savedUrls }
        }
        $script:proxy = Get-AnyClaude
        $script:originalMode = $proxy.Mode
        $script:originalEnvMode = $env:ANYCLAUDE_MODE

        function Send-Through([string] $Text) {
            $body = @{ model = 'claude-sonnet-4-5'; max_tokens = 32; messages = @(@{ role = 'user'; content = $Text }) } | ConvertTo-Json -Depth 5
            $uri = [Uri]::new([Uri]$proxy.BaseUrl, '/v1/messages')
            Invoke-RestMethod -Method Post -Uri $uri -Body $body -ContentType 'application/json' `
                -Headers @{ 'x-api-key' = $proxy.Token; 'anthropic-version' = '2023-06-01' } | Out-Null
            Get-AnyClaude -Request -Last 1
        }
    }

    AfterAll {
        if ($startedHere) { Stop-AnyClaude -Confirm:$false }
        elseif ($originalMode) { Set-AnyClaudeMode $originalMode }
        $env:ANYCLAUDE_MODE = $originalEnvMode
    }

    It 'sends requests to <Mode> after Set-AnyClaudeMode <Mode>' -ForEach @(
        @{ Mode = 'LmStudio' }
        @{ Mode = 'MlxLm' }
        @{ Mode = 'LmStudio' }
    ) {
        $arguments = if ($Mode -eq 'LmStudio') { $lmStudioArgs } else { $mlxArgs }
        Set-AnyClaudeMode $Mode @arguments
        $record = Send-Through "checklist: $Mode"
        $record.Mode | Should -Be $Mode
        $record.Status | Should -Be 200 -Because $record.Error
    }
}
