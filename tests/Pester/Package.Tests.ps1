# The module package (build.ps1 -Task Package): exactly the files a user needs, and the manifest fields the
# PowerShell Gallery shows. The install from a repository is in Install.Tests.ps1.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $package = Get-PackagePath
    $script:noPackage = -not $package -or -not (Test-Path $package)
    if ($noPackage -and $env:CI -eq 'true') { throw "The package $package is missing: build.ps1 -Task Test builds it." }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:package = Get-PackagePath
    if (Test-Path $package) {
        $zip = [IO.Compression.ZipFile]::OpenRead($package)
        try {
            $script:entries = @($zip.Entries | ForEach-Object FullName)
            $nuspecEntry = $zip.Entries | Where-Object FullName -EQ 'AnyClaude.nuspec'
            $reader = [IO.StreamReader]::new($nuspecEntry.Open())
            try { $script:nuspec = ([xml]$reader.ReadToEnd()).package.metadata } finally { $reader.Dispose() }
        } finally {
            $zip.Dispose()
        }
        $script:unpacked = Join-Path $TestDrive 'unpacked'
        [IO.Compression.ZipFile]::ExtractToDirectory($package, $unpacked)
        $script:manifest = Import-PowerShellDataFile (Join-Path $unpacked 'AnyClaude.psd1')
    }
    # NuGet's own parts of any .nupkg; everything else is installed into the user's module folder.
    $script:nugetParts = '^(_rels/|package/services/metadata/|\[Content_Types\]\.xml$|AnyClaude\.nuspec$)'

    function Get-AssemblyReference([string] $Path) {
        $stream = [IO.File]::OpenRead($Path)
        $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
        try {
            $metadata = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            foreach ($handle in $metadata.AssemblyReferences) { $metadata.GetString($metadata.GetAssemblyReference($handle).Name) }
        } finally {
            $pe.Dispose(); $stream.Dispose()
        }
    }
}

Describe 'Module package' -Skip:$noPackage {
    It 'holds the module''s files and nothing from the build tree' {
        $files = @($entries | Where-Object { $_ -notmatch $nugetParts } | Sort-Object)
        $top = @($files | Where-Object { $_ -notlike 'deps/*' })
        $top | Should -Be @(
            'AnyClaude.Cmdlets.dll'
            'AnyClaude.Diagnostics.format.ps1xml'
            'AnyClaude.format.ps1xml'
            'AnyClaude.psd1'
            'Checklist/AnyClaude.Checklist.Tests.ps1'
            'en-US/about_AnyClaude.help.txt'
            'en-US/AnyClaude.Cmdlets.dll-Help.xml'
            'LICENSE'
        ) -Because "the package has: $($files -join ', ')"
        # deps/ holds assemblies only: no symbols, no deps.json (the load context resolves by file name),
        # no XML docs, no RID-specific runtimes/ folders (the engine's closure is pure managed code).
        $files | Where-Object { $_ -like 'deps/*' } | ForEach-Object { $_ | Should -Match '^deps/[^/]+\.dll$' }
        $files | Should -Not -Match '(^|/)(obj|bin|runtimes|artifacts)/|\.(pdb|deps\.json|nupkg|zip)$'
    }

    It 'ships the engine''s whole dependency closure, and only that' {
        $deps = Join-Path $unpacked 'deps'
        $shipped = @(Get-ChildItem $deps -Filter '*.dll' | ForEach-Object BaseName)
        $framework = Split-Path ([object].Assembly.Location)
        $reached = [Collections.Generic.HashSet[string]]::new()
        $queue = [Collections.Generic.Queue[string]]::new()
        $queue.Enqueue('AnyClaude.Proxy')
        $queue.Enqueue('AnyClaude.Diagnostics')
        # Loaded by name, not referenced: TiktokenTokenizer.CreateForEncoding("o200k_base") loads its vocabulary assembly.
        $queue.Enqueue('Microsoft.ML.Tokenizers.Data.O200kBase')
        $missing = @()
        while ($queue.Count) {
            $name = $queue.Dequeue()
            if (-not $reached.Add($name)) { continue }
            foreach ($reference in Get-AssemblyReference (Join-Path $deps "$name.dll")) {
                if ($reference -in $shipped) { $queue.Enqueue($reference) }
                elseif (-not (Test-Path (Join-Path $framework "$reference.dll"))) { $missing += "$name -> $reference" }
            }
        }
        $missing | Should -BeNullOrEmpty -Because 'every assembly the engine needs outside the .NET runtime must be in deps/'
        $shipped | Where-Object { -not $reached.Contains($_) } | Should -BeNullOrEmpty -Because 'deps/ holds nothing the engine does not load'
        # The cmdlets need only the engine, its diagnostics and what pwsh itself provides.
        foreach ($reference in Get-AssemblyReference (Join-Path $unpacked 'AnyClaude.Cmdlets.dll')) {
            ($reference -in 'AnyClaude.Proxy', 'AnyClaude.Diagnostics' -or (Test-Path (Join-Path $framework "$reference.dll")) -or (Test-Path (Join-Path $PSHOME "$reference.dll"))) |
                Should -BeTrue -Because "AnyClaude.Cmdlets references $reference"
        }
    }

    It 'has one version: file name, package, manifest and assemblies agree' {
        $version = $manifest.ModuleVersion
        Split-Path $package -Leaf | Should -Be "AnyClaude.$version.nupkg"
        $nuspec.version | Should -Be $version
        $source = Import-PowerShellDataFile (Join-Path $repo 'module/AnyClaude.psd1')
        $source.ModuleVersion | Should -Be $version -Because 'module/AnyClaude.psd1 is where the version is set'
        foreach ($dll in 'AnyClaude.Cmdlets.dll', 'deps/AnyClaude.Proxy.dll') {
            $file = [Diagnostics.FileVersionInfo]::GetVersionInfo((Join-Path $unpacked $dll))
            $file.ProductVersion -replace '\+.*$' | Should -Be $version -Because "$dll takes its version from the manifest"
        }
    }

    It 'carries what the PowerShell Gallery shows' {
        $data = $manifest.PrivateData.PSData
        $nuspec.id | Should -Be 'AnyClaude'
        $nuspec.description | Should -Be $manifest.Description
        $manifest.Description.Length | Should -BeGreaterThan 50
        $nuspec.authors | Should -Not -BeNullOrEmpty
        $tags = $nuspec.tags -split ' '
        foreach ($tag in 'PSModule', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS', 'Claude') { $tags | Should -Contain $tag }
        $nuspec.projectUrl | Should -Be $data.ProjectUri
        $nuspec.licenseUrl | Should -Be $data.LicenseUri
    }

    It 'links the project''s files: the license URI names a file in the repository' {
        $data = $manifest.PrivateData.PSData
        $data.LicenseUri | Should -BeLike "$($data.ProjectUri)/blob/main/*"
        $path = $data.LicenseUri.Substring("$($data.ProjectUri)/blob/main/".Length)
        Join-Path $repo $path | Should -Exist
        Get-Content (Join-Path $repo $path) -TotalCount 1 | Should -Be 'MIT License'
        Get-Content (Join-Path $unpacked 'LICENSE') -Raw | Should -Be (Get-Content (Join-Path $repo 'LICENSE') -Raw)
        $manifest.Copyright | Should -Match 'MIT'
    }

    It 'takes its release notes from CHANGELOG.md' {
        $changelog = Get-Content (Join-Path $repo 'CHANGELOG.md') -Raw
        $notes = $manifest.PrivateData.PSData.ReleaseNotes
        $notes | Should -Match '^## \[(Unreleased|[0-9.]+)\]'
        $heading = ($notes -split "`n")[0]
        $changelog | Should -Match ([regex]::Escape($heading)) -Because 'the notes are a section of the changelog'
        # The body is the section's text, word for word.
        $body = ($notes -split "`n" | Select-Object -Skip 2) -join "`n"
        ($changelog -replace "`r") | Should -BeLike "*$([WildcardPattern]::Escape($body))*"
        $nuspec.releaseNotes | Should -Be $notes
    }
}
