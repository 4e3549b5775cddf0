<#
.SYNOPSIS
    Writes the MAML help of a binary module from its cmdlets' C# XML doc comments and their attributes.
.DESCRIPTION
    Run in a fresh pwsh by build.ps1 (it imports the built module). For each exported cmdlet:
    - synopsis and description from <para type="synopsis"> / <para type="description"> in the class summary
      (a plain summary is the synopsis);
    - examples from <example><code>…</code><para>…</para></example>;
    - each parameter's description from its property's summary; type, position, mandatory, pipeline input,
      aliases and parameter sets from the cmdlet metadata PowerShell itself uses;
    - outputs from [OutputType].
    Help is produced from the code, so it cannot drift from it. A cmdlet without synopsis, description or
    two examples is reported (and fails the Pester help tests).
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $XmlDocPath,
    [Parameter(Mandatory)][string] $OutFile
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$module = Import-Module $ModulePath -PassThru -Force
$docs = @{}
foreach ($docFile in @($XmlDocPath) + @(Get-ChildItem (Split-Path $XmlDocPath) -Filter '*.xml' | ForEach-Object FullName)) {
    if (-not (Test-Path $docFile)) { continue }
    $xml = [xml](Get-Content $docFile -Raw)
    if (-not $xml.doc) { continue }
    foreach ($member in $xml.doc.members.member) { $docs[$member.name] = $member }
}

function Get-Text([System.Xml.XmlNode] $node) {
    # Inner text with whitespace runs collapsed (doc comments are wrapped at ~120 columns).
    if ($null -eq $node) { return '' }
    return ($node.InnerText -replace '\s+', ' ').Trim()
}

function Get-Paragraphs($summary, [string] $type) {
    if ($null -eq $summary) { return @() }
    $paras = @($summary.SelectNodes('para') | Where-Object { $_.GetAttribute('type') -eq $type } | ForEach-Object { Get-Text $_ })
    return $paras
}

$commonParameters = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
$problems = [System.Collections.Generic.List[string]]::new()
$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

New-Item -ItemType Directory -Force (Split-Path $OutFile) | Out-Null
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$w = [System.Xml.XmlWriter]::Create($OutFile, $settings)
$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')
$w.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
$w.WriteAttributeString('xmlns', 'command', $null, $ns.command)
$w.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)

function Write-Para([string] $text) {
    $w.WriteStartElement('para', $ns.maml); $w.WriteString($text); $w.WriteEndElement()
}

function Write-Description([string[]] $paras, [string] $prefix = 'maml') {
    $w.WriteStartElement('description', $ns[$prefix])
    foreach ($p in $paras) { Write-Para $p }
    $w.WriteEndElement()
}

function Write-Type([type] $type) {
    $w.WriteStartElement('type', $ns.dev)
    $w.WriteElementString('name', $ns.maml, $type.FullName)
    $w.WriteEndElement()
}

function Get-ParameterFacts($parameter, [string] $setName) {
    # The attribute that applies in a set: the set's own, else the all-sets one.
    $attrs = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
    $own = $attrs | Where-Object ParameterSetName -eq $setName | Select-Object -First 1
    if (-not $own) { $own = $attrs | Where-Object ParameterSetName -eq '__AllParameterSets' | Select-Object -First 1 }
    return $own
}

function Write-Parameter($cmd, $parameter, [string] $setName, [hashtable] $paramDocs) {
    $facts = if ($setName) { Get-ParameterFacts $parameter $setName } else { Get-ParameterFacts $parameter ($parameter.ParameterSets.Keys | Select-Object -First 1) }
    if (-not $facts) { $facts = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })[0] }
    $pipeline = @()
    if ($facts.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($facts.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $isSwitch = $parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]

    $w.WriteStartElement('parameter', $ns.command)
    $w.WriteAttributeString('required', $facts.Mandatory.ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', ($parameter.ParameterType.IsArray).ToString().ToLowerInvariant())
    $w.WriteAttributeString('globbing', 'false')
    $w.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
    $w.WriteAttributeString('position', $(if ($facts.Position -ge 0) { [string]($facts.Position + 1) } else { 'named' }))
    $w.WriteAttributeString('aliases', $(if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('name', $ns.maml, $parameter.Name)
    Write-Description @($paramDocs[$parameter.Name])
    if (-not $isSwitch) {
        $w.WriteStartElement('parameterValue', $ns.command)
        $w.WriteAttributeString('required', 'true')
        $underlying = [Nullable]::GetUnderlyingType($parameter.ParameterType)
        $w.WriteString($(if ($underlying) { $underlying.Name } else { $parameter.ParameterType.Name }))
        $w.WriteEndElement()
    }
    Write-Type $parameter.ParameterType
    $w.WriteEndElement()
}

foreach ($cmd in @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)) {
    $typeName = $cmd.ImplementingType.FullName
    $classDoc = $docs["T:$typeName"]
    $summary = if ($classDoc) { $classDoc.SelectSingleNode('summary') } else { $null }
    $synopsis = @(Get-Paragraphs $summary 'synopsis')
    if (-not $synopsis -and $summary) { $synopsis = @(Get-Text $summary) }
    $description = @(Get-Paragraphs $summary 'description')
    $examples = if ($classDoc) { @($classDoc.SelectNodes('example')) } else { @() }
    if (-not $synopsis) { $problems.Add("$($cmd.Name): no synopsis") }
    if (-not $description) { $problems.Add("$($cmd.Name): no description") }
    if ($examples.Count -lt 2) { $problems.Add("$($cmd.Name): fewer than two examples") }

    $paramDocs = @{}
    foreach ($parameter in $cmd.Parameters.Values) {
        $propertyDoc = $null
        for ($t = $cmd.ImplementingType; $t -and -not $propertyDoc; $t = $t.BaseType) { $propertyDoc = $docs["P:$($t.FullName).$($parameter.Name)"] }
        $propertySummary = if ($propertyDoc) { $propertyDoc.SelectSingleNode('summary') } else { $null }
        $text = @(Get-Paragraphs $propertySummary 'description')
        if (-not $text -and $propertySummary) { $text = @(Get-Text $propertySummary) }
        if (-not $text -and $parameter.Name -notin $commonParameters) { $problems.Add("$($cmd.Name) -$($parameter.Name): no description") }
        $paramDocs[$parameter.Name] = $text -join ' '
    }

    $w.WriteStartElement('command', 'command', $ns.command)
    $w.WriteStartElement('details', $ns.command)
    $w.WriteElementString('name', $ns.command, $cmd.Name)
    Write-Description $synopsis
    $w.WriteElementString('verb', $ns.command, $cmd.Verb)
    $w.WriteElementString('noun', $ns.command, $cmd.Noun)
    $w.WriteEndElement()
    Write-Description $description

    $w.WriteStartElement('syntax', $ns.command)
    foreach ($set in $cmd.ParameterSets) {
        $w.WriteStartElement('syntaxItem', $ns.command)
        $w.WriteElementString('name', $ns.maml, $cmd.Name)
        foreach ($p in $set.Parameters | Where-Object Name -notin $commonParameters) {
            Write-Parameter $cmd $cmd.Parameters[$p.Name] $set.Name $paramDocs
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('parameters', $ns.command)
    foreach ($parameter in $cmd.Parameters.Values | Where-Object Name -notin $commonParameters) {
        Write-Parameter $cmd $parameter $null $paramDocs
    }
    $w.WriteEndElement()

    $w.WriteStartElement('inputTypes', $ns.command)
    $pipelineParameters = @($cmd.Parameters.Values | Where-Object { $_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and ($_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName) } })
    foreach ($parameter in $pipelineParameters) {
        $w.WriteStartElement('inputType', $ns.command); Write-Type $parameter.ParameterType
        Write-Description @("-$($parameter.Name) from the pipeline.")
        $w.WriteEndElement()
    }
    if (-not $pipelineParameters) {
        $w.WriteStartElement('inputType', $ns.command); Write-Type ([void]); Write-Description @('None. This cmdlet does not take pipeline input.'); $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('returnValues', $ns.command)
    foreach ($output in $cmd.OutputType) {
        $w.WriteStartElement('returnValue', $ns.command); Write-Type $output.Type; Write-Description @(); $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('examples', $ns.command)
    $i = 0
    foreach ($example in $examples) {
        $i++
        $w.WriteStartElement('example', $ns.command)
        $w.WriteElementString('title', $ns.maml, "-------------------------- Example $i --------------------------")
        $w.WriteElementString('code', $ns.dev, (Get-Text $example.SelectSingleNode('code')))
        $w.WriteStartElement('remarks', $ns.dev)
        foreach ($para in $example.SelectNodes('para')) { Write-Para (Get-Text $para) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}

$w.WriteEndElement()
$w.WriteEndDocument()
$w.Dispose()

if ($problems.Count) {
    # Reported, not fatal: the Pester help tests fail for incomplete help, the build does not.
    Write-Warning ("Help is incomplete; add XML doc comments:`n  " + ($problems -join "`n  "))
}
Write-Host "Help written to $OutFile"
