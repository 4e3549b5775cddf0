using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using AnyClaude.Diagnostics.Workload;
using AnyClaude.Proxy.Translation;
using Xunit;

namespace AnyClaude.Proxy.Tests.Translation;

/// <summary>The response translation's output, byte for byte: the SHA-256 of what the stream translator and the event
/// writer make of the benchmark streams (and of hand-written chunks with escapes, non-ASCII text and usage), pinned
/// from the code before issue 21's optimisations. A change that alters one byte of the client's stream fails here.</summary>
public sealed class StreamOutputDigestTests
{
    [Theory]
    [InlineData(StreamShape.Text, 50, 7, "44FAEF9610F9E7D531535FC1641CB4A80AD227F78A256FEBE98DAB69FEC2AED2")]
    [InlineData(StreamShape.Text, 2000, 11, "849B88E6537074DD0C159AB9B217C60461F3811BD87D828FDE8F61512AD338C5")]
    [InlineData(StreamShape.Mixed, 2000, 7, "FB2889DFE24A617A3563048FC5876EA460F6C84A99ABA2D3E8D324112A8D7F95")]
    [InlineData(StreamShape.Mixed, 333, 3, "3CAE56AD53B8E725937F25BBB1069E9E0EA5C005605F1119EB2E0EB0CD729209")]
    public void The_benchmark_streams_translate_to_the_same_bytes_as_before(StreamShape shape, int chunks, int seed, string expected)
    {
        var stream = OpenAiStream.Create(chunks, shape, seed);
        Assert.Equal(expected, Digest(stream.Payloads));
    }

    [Fact]
    public void Escapes_non_ASCII_text_tool_calls_and_usage_translate_to_the_same_bytes_as_before()
    {
        string[] chunks =
        [
            """{"choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Think \"quoted\" \\ back\u00e9 <tag> & \ud83d\ude00"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning":"only reasoning field"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"Gr\u00fc\u00dfe, \u4e16\u754c!\n\tTab"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"  "}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call 1","type":"function","function":{"name":"Read","arguments":""}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"content":" "}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"file_path\":\"/tmp/\u00e9.txt\"}"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","function":{"name":"Bash","arguments":""}}]}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":1200,"completion_tokens":42,"prompt_tokens_details":{"cached_tokens":1000}}}""",
        ];
        Assert.Equal("70643BF5DE9007B6AF17A77AF240AAA79EEC54B60420E8A676ACA241490E6A02", Digest(chunks.Select(Encoding.UTF8.GetBytes).ToArray()));
    }

    private static string Digest(IReadOnlyList<byte[]> payloads)
    {
        var output = new ArrayBufferWriter<byte>();
        var translator = new ChatStreamTranslator(new SseEventWriter(output));
        translator.Start("msg_digest", "claude-sonnet-4-5", 21_480);
        foreach (var payload in payloads) translator.OnChunk(payload);
        translator.Complete();
        return Convert.ToHexString(SHA256.HashData(output.WrittenSpan));
    }
}
