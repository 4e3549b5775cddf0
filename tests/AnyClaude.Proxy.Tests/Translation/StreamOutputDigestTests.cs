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

    /// <summary>Chunks of the shapes issue 21's second round reads without a JsonDocument (one choice, a content or
    /// reasoning string delta), and their neighbours that must still take the full path; each case's output and the
    /// translator's state after it, pinned from the code before that fast path.</summary>
    [Theory]
    [InlineData("escapes", "4B1051C97362C4A05B0A70485503B6C5ECDB213F365574791F21F773802B1E98")]
    [InlineData("raw-non-ascii", "F2C4DB45CC9590039CA6261D2A12524BB84C78C7E2A3CB3F48B8E0CA7B962717")]
    [InlineData("reasoning-fields", "D22754712511AA9593745A4C925B0BA9B0EA19A738D5FCE5BFBB3C6093D8889E")]
    [InlineData("empty-content", "1D135BC67DF0E0A215079E50BC86BD6FBEECE518E3D3BF3CEBD290D4FB017697")]
    [InlineData("role-only-first", "B818C77497BF844197204B9B7027BE558986B70F155E78A7E544C3034D1DAB0C")]
    [InlineData("server-envelopes", "113BA0D00D620BED1A9D88D34CF1122CE37869FE53FF3B1400482ABCF7EACE89")]
    [InlineData("whitespace-around-tools", "04EA7DE999E4A9FF632CF80A31CC9AF45E3329CA8C2E56798B18D1A9B32F838F")]
    [InlineData("choices-not-one", "AD2574600F2E1EA804760EB020E959D984032DDA4A48674CBB9FF9A90A1F15F9")]
    [InlineData("reasoning-and-content-in-one-chunk", "89C6A7C91475819247AC896149056F2B3354254C0119A35A144D7979D6EC6DC3")]
    [InlineData("duplicate-and-escaped-names", "82BA1802B30309BEAA90E11095B1ABED3A0F55E2DC587BDB8B7912D209C035DB")]
    [InlineData("error-and-usage-null-or-zero", "7B19D1B036A615937764F0A7E5A9C5FCABE82F0EB910E9BB687D5F57AD4466E3")]
    [InlineData("odd-values", "115B18966E8CC8DEF9AA4958DD593DB2BA81E326B3259C4CFA3E4E4022D1995D")]
    public void Fast_path_shapes_translate_to_the_same_bytes_as_before(string name, string expected)
    {
        Assert.Equal(expected, DigestWithState(s_cases[name].Select(Encoding.UTF8.GetBytes).ToArray()));
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"lone \ud800 surrogate"}}]}""", typeof(InvalidOperationException))]
    [InlineData("""{"choices":[{"index":0,"delta":{"reasoning":"x\udc00"}}]}""", typeof(InvalidOperationException))]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"cut""", typeof(BackendStreamException))]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"a"}}]}, trailing""", null)]
    [InlineData("""{"error":{"message":"boom"},"choices":[{"index":0,"delta":{"content":"a"}}]}""", typeof(BackendStreamException))]
    public void A_chunk_that_fails_writes_nothing_and_fails_as_before(string chunk, Type? failure)
    {
        var output = new ArrayBufferWriter<byte>();
        var translator = new ChatStreamTranslator(new SseEventWriter(output));
        translator.Start("msg_digest", "claude-sonnet-4-5", 21_480);
        translator.OnChunk("""{"choices":[{"index":0,"delta":{"content":"before"}}]}"""u8);
        var before = output.WrittenCount;
        var thrown = Record.Exception(() => translator.OnChunk(Encoding.UTF8.GetBytes(chunk)));
        Assert.Equal(failure, thrown?.GetType());
        if (failure is not null) Assert.Equal(before, output.WrittenCount);
        else Assert.True(output.WrittenCount > before, "the chunk before the trailing bytes is translated");
    }

    [Theory]
    [InlineData(StreamShape.Text, 2000, 11)]
    [InlineData(StreamShape.Mixed, 2000, 7)]
    public void The_common_chunk_takes_the_fast_path_and_the_rest_the_full_one(StreamShape shape, int chunks, int seed)
    {
        var stream = OpenAiStream.Create(chunks, shape, seed);
        var translator = new ChatStreamTranslator(new SseEventWriter(new ArrayBufferWriter<byte>()));
        translator.Start("msg_digest", "claude-sonnet-4-5", 21_480);
        var text = 0;
        foreach (var payload in stream.Payloads)
        {
            translator.OnChunk(payload);
            var chunk = Encoding.UTF8.GetString(payload);
            if (!chunk.Contains("tool_calls") && !chunk.Contains("usage") && !chunk.Contains("\"finish_reason\":\"")) text++;
        }
        // Every text/reasoning chunk but those right after a tool call's fragments (a tool block open) is fast.
        Assert.InRange(translator.FastChunks, text - 4, text);
        Assert.True(text > chunks / 2, $"{text} of {chunks} chunks are text or reasoning");
    }

    private static readonly Dictionary<string, string[]> s_cases = new()
    {
        ["escapes"] =
        [
            """{"choices":[{"index":0,"delta":{"content":"q \" bs \\ nl \n tab \t cr \r bsp \b ff \f sl \/ nul \u0000 us \u001f"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"\u00e9\u4e16\u754c \ud83d\ude00 \u2028 \u2029 <tag> & ' \u007f \u0080 \uFEFF \u200B"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning_content":"think \"hard\"\n\\path\\ \u00fc"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning":"\u0041\u0042 plain"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"\n"}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
        ],
        ["raw-non-ascii"] =
        [
            """{"choices":[{"index":0,"delta":{"content":"Grüße, 世界! 😀 – “quotes” « » ½ € \u2028raw: """ + "\u2028\u2029\u00a0\u200b\ufeff" + """ end"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning_content":"Размышление: 🤔 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 עברית العربية"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"日本語のテキスト"}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}""",
        ],
        ["reasoning-fields"] =
        [
            """{"choices":[{"index":0,"delta":{"reasoning_content":"rc only"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning":"r only"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning_content":"both same","reasoning":"both same"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning":"r first","reasoning_content":"rc second"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning_content":"","reasoning":"rc empty"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning_content":null,"reasoning":"rc null"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning_content":"r null","reasoning":null}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning_content":"","reasoning":""}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"answer"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning":"thinking again after text"}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
        ],
        ["empty-content"] =
        [
            """{"choices":[{"index":0,"delta":{"content":""}}]}""",
            """{"choices":[{"index":0,"delta":{"content":null}}]}""",
            """{"choices":[{"index":0,"delta":{}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"a"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":""}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"b"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}]}""",
        ],
        ["role-only-first"] =
        [
            """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m-first","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}""",
            """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m-second","choices":[{"index":0,"delta":{"role":"assistant"},"logprobs":null,"finish_reason":null}]}""",
            """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m-third","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]}""",
            """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m-third","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}""",
        ],
        ["server-envelopes"] =
        [
            // llama.cpp's server: finish_reason first, timings after the choices.
            """{"choices":[{"finish_reason":null,"index":0,"delta":{"content":"llama"}}],"created":1764000000,"id":"chatcmpl-x","model":"gpt-oss","system_fingerprint":"b1-abc","object":"chat.completion.chunk","timings":{"prompt_n":1,"predicted_ms":2.5}}""",
            // vLLM: stop_reason null, token_ids, usage null.
            """{"id":"chatcmpl-v","object":"chat.completion.chunk","created":1764000000,"model":"qwen","choices":[{"index":0,"delta":{"content":" vllm","tool_calls":null},"logprobs":null,"finish_reason":null,"stop_reason":null,"token_ids":null}],"usage":null}""",
            // mlx_lm.server: reasoning field, usage object every chunk with zeros.
            """{"id":"chatcmpl-m","system_fingerprint":"0.28","object":"chat.completion.chunk","model":"mlx","created":1764000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":" mlx"},"logprobs":{"content":[]},"finish_reason":null}],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}""",
            // Spaces between tokens.
            """ { "choices" : [ { "index" : 0 , "delta" : { "content" : " spaced" } } ] } """,
            """{"choices":[{"index":0,"delta":{"content":" done"},"finish_reason":null}],"error":null}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"stop","stop_reason":"</s>"}]}""",
        ],
        ["whitespace-around-tools"] =
        [
            """{"choices":[{"index":0,"delta":{"content":"Let me look."}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Read","arguments":""}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"\n"}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"file_path\":\"a\"}"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"  "}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"after held whitespace"}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","function":{"name":"Bash","arguments":"{}"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"content":" "}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"text after tool"}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""",
        ],
        ["choices-not-one"] =
        [
            """{"choices":[]}""",
            """{"choices":[{"index":1,"delta":{"content":"other choice"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"first of two"}},{"index":1,"delta":{"content":"second of two"}}]}""",
            """{"choices":[{"delta":{"content":" no index"}}]}""",
            """{"choices":[{"index":"0","delta":{"content":" string index"}}]}""",
            """{"choices":null}""",
            """{"choices":{"index":0}}""",
            """[1,2]""",
            """{"choices":[{"index":0,"delta":null}]}""",
            """{"choices":[{"index":0,"delta":"text"}]}""",
            """{"choices":[{"index":0,"delta":{"content":" end"}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
        ],
        ["reasoning-and-content-in-one-chunk"] =
        [
            """{"choices":[{"index":0,"delta":{"content":"text","reasoning_content":"thought"}}]}""",
            """{"choices":[{"index":0,"delta":{"reasoning":"r","content":"c"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"last"},"finish_reason":"stop"}]}""",
        ],
        ["duplicate-and-escaped-names"] =
        [
            """{"choices":[{"index":0,"delta":{"content":"dup one","content":"dup two"}}]}""",
            """{"choices":[{"index":0,"delta":{"cont\u0065nt":" escaped name"}}]}""",
            """{"ch\u006fices":[{"index":0,"delta":{"reasoning\u005fcontent":" escaped rc"}}]}""",
            """{"model":"a","model":"b","choices":[{"index":0,"delta":{"content":" model twice"}}]}""",
            """{"choices":[{"index":0,"delta":{"content":" x"}}],"choices":[{"index":0,"delta":{"content":" choices twice"}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
        ],
        ["error-and-usage-null-or-zero"] =
        [
            """{"error":null,"usage":null,"choices":[{"index":0,"delta":{"content":"a"}}]}""",
            """{"usage":{"prompt_tokens":0,"completion_tokens":0},"choices":[{"index":0,"delta":{"content":"b"}}]}""",
            """{"usage":{"prompt_tokens":10,"completion_tokens":2},"choices":[{"index":0,"delta":{"content":"c"}}]}""",
            """{"usage":5,"choices":[{"index":0,"delta":{"content":"d"},"finish_reason":"stop"}]}""",
        ],
        ["odd-values"] =
        [
            """{"model":5,"choices":[{"index":0,"delta":{"content":5,"reasoning":true,"reasoning_content":{"a":1}}}]}""",
            """{"choices":[{"index":0,"delta":{"content":["x"],"tool_calls":[]}}]}""",
            """{"choices":[{"index":0,"delta":{"content":"y","tool_calls":{}},"finish_reason":5,"stop_reason":7}]}""",
            """{"choices":[{"index":0,"delta":{"content":"z","extra":{"nested":[1,{"content":"not this"}]}},"extra":[{"delta":{"content":"nor this"}}]}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
        ],
    };

    private static string DigestWithState(IReadOnlyList<byte[]> payloads)
    {
        var output = new ArrayBufferWriter<byte>();
        var translator = new ChatStreamTranslator(new SseEventWriter(output));
        translator.Start("msg_digest", "claude-sonnet-4-5", 21_480);
        foreach (var payload in payloads) translator.OnChunk(payload);
        translator.Complete();
        var state = Encoding.UTF8.GetBytes($"|{translator.BackendModel}|{translator.Usage}|{translator.HasOutput}|{translator.StopReason}|{translator.UsageReported}|{translator.CachedTokensReported}");
        return Convert.ToHexString(SHA256.HashData([.. output.WrittenSpan, .. state]));
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
