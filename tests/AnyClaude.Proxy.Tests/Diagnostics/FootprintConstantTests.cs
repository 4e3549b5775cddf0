using Xunit;
using Engine = AnyClaude.Diagnostics.ClaudeCodeFootprint;
using Measured = AnyClaude.Proxy.Tests.ClaudeCode.Footprint.ClaudeCodeFootprint;

namespace AnyClaude.Proxy.Tests.Diagnostics;

public sealed class FootprintConstantTests
{
    [Fact]
    public void The_engine_s_footprint_is_the_measured_one()
    {
        // The measured constant covers system blocks and tools; the engine also counts the role:"system" message.
        Assert.Equal(Measured.SystemPlusToolsTokens_2_1_197, Engine.SystemBlockTokens + Engine.ToolTokens);
    }
}
