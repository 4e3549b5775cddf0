namespace AnyClaude.Cmdlets.Configuration;

/// <summary>A setting that cannot be used; <see cref="Target"/> names the file, variable or value at fault.</summary>
internal sealed class ConfigurationException(string message, string target, Exception? inner = null)
    : Exception(message, inner)
{
    public string Target { get; } = target;
}
