using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace AnyClaude.Proxy.Translation;

/// <summary>OpenAI Chat Completions stream chunks → Anthropic events, one response at a time. Not thread-safe:
/// the host serialises calls (chunks and pings come from one loop).</summary>
/// <remarks>Grammar kept: one message_start; blocks numbered from 0, exactly one open at a time, never empty
/// (a block starts with its first non-empty delta); a thinking block gets a signature_delta before its stop;
/// then message_delta and message_stop. One state machine in one file (~310 lines), so every transition can be
/// read against that grammar in one place.</remarks>
internal sealed class ChatStreamTranslator(IAnthropicEventSink sink)
{
    /// <summary>Local backends produce no Anthropic signature; clients need a non-empty one to keep the block.</summary>
    internal const string LocalThinkingSignature = "anyclaude-local-unsigned";

    private enum Open { None, Text, Thinking, Tool }

    private readonly List<ToolCallSlot> _tools = [];
    private Open _open;
    private int _openIndex = -1;
    private ToolCallSlot? _openTool;
    private int _nextIndex;
    private bool _started;
    private bool _completed;
    private string? _finishReason;
    private string? _stopSequence;
    // Whitespace-only content that arrived while a tool block was open; dropped unless real text follows.
    private string? _heldWhitespace;
    private bool _emittedToolUse;
    private int _estimatedInput;
    private int _outputDeltas;
    private UsageCounts? _backendUsage;

    /// <summary>Emits message_start (host calls it as soon as the request is accepted).</summary>
    public void Start(string messageId, string model, int inputTokens)
    {
        if (_started)
            throw new InvalidOperationException("message_start was already sent");
        _started = true;
        _estimatedInput = inputTokens;
        sink.MessageStart(messageId, model, new UsageCounts(inputTokens, 0, 0));
    }

    /// <summary>One SSE data payload (the JSON after "data: "; never "[DONE]").
    /// Throws BackendStreamException when the backend reports an error inside the stream.</summary>
    public void OnChunk(ReadOnlySpan<byte> json)
    {
        if (!_started)
            throw new InvalidOperationException("Start must be called before OnChunk");
        // Whitespace held back while a tool block is open needs the full path's OnText.
        if (_open != Open.Tool && _heldWhitespace is null && TryFastChunk(json))
        {
            FastChunks++;
            return;
        }
        using var document = ParseChunk(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            return;
        if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            throw new BackendStreamException($"the backend reported an error mid-stream: {ErrorText(error)}");
        if (BackendModel is null && root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String)
            BackendModel = model.GetString();
        // All-zero usage (sent by some servers on every chunk, or by ones that do not count) is no report.
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
            && ReadUsage(usage) is { } reported && (reported.InputTokens | reported.OutputTokens | reported.CachedTokens) != 0)
        {
            _backendUsage = reported;
            CachedTokensReported = usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object
                && details.TryGetProperty("cached_tokens", out var cachedTokens) && cachedTokens.ValueKind == JsonValueKind.Number;
        }
        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
            return;
        foreach (var choice in choices.EnumerateArray())
        {
            // One choice is requested (n=1); any other index is not part of this response.
            if (choice.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number && i.GetInt32() != 0)
                continue;
            if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                OnDelta(delta);
            if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
                _finishReason = finish.GetString();
            // vLLM names the stop string that ended generation; OpenAI, LM Studio and mlx_lm.server do not.
            if (choice.TryGetProperty("stop_reason", out var stopString) && stopString.ValueKind == JsonValueKind.String)
                _stopSequence = stopString.GetString();
        }
    }

    // The fast path: the common chunk (one choice at index 0 whose delta carries content and/or reasoning text; no
    // tool call, usage, error or finish_reason) read with a Utf8JsonReader, its text written from the UTF-8: no
    // JsonDocument and no string per chunk. Anything else, or anything it doubts (a repeated name, an escape that does
    // not decode, text that is not valid UTF-8), returns false before any state has changed, and the full path reads
    // the chunk. Both write the same bytes: StreamOutputDigestTests pins them from the code before this path existed.
    private bool TryFastChunk(ReadOnlySpan<byte> json)
    {
        byte[]? scratch = null; // unescaped text (only when a value has escapes); no longer than the chunk
        try
        {
            FastChunk chunk;
            try
            {
                if (!ScanRoot(json, ref scratch, out chunk))
                    return false;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return false; // invalid JSON or an undecodable escape: the full path says so, as before
            }
            if (chunk.Model is not null)
                BackendModel = chunk.Model;
            // The full path's order: reasoning first (reasoning_content preferred), then content.
            var reasoning = chunk.ReasoningContent.Length > 0 ? chunk.ReasoningContent : chunk.Reasoning;
            if (reasoning.Length > 0)
            {
                Ensure(Open.Thinking);
                sink.ThinkingDelta(_openIndex, reasoning.Of(json, scratch));
                Emitted();
            }
            if (chunk.Content.Length > 0)
            {
                Ensure(Open.Text);
                sink.TextDelta(_openIndex, chunk.Content.Of(json, scratch));
                Emitted();
            }
            return true;
        }
        finally
        {
            if (scratch is not null)
                ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>A string value of the chunk: where its UTF-8 is, in the chunk or (unescaped) in the scratch buffer.</summary>
    private readonly record struct TextSpan(bool Unescaped, int Start, int Length)
    {
        public ReadOnlySpan<byte> Of(ReadOnlySpan<byte> json, byte[]? scratch) =>
            Unescaped ? scratch.AsSpan(Start, Length) : json.Slice(Start, Length);
    }

    private struct FastChunk
    {
        public string? Model;
        public TextSpan Content, ReasoningContent, Reasoning;
        public int ScratchUsed;
        public int Seen; // names read once each; a repeated one goes to the full path
    }

    private const int SeenChoices = 1, SeenModel = 2, SeenIndex = 4, SeenDelta = 8, SeenContent = 16, SeenReasoningContent = 32, SeenReasoning = 64;

    private static bool Once(ref FastChunk chunk, int name)
    {
        if ((chunk.Seen & name) != 0)
            return false;
        chunk.Seen |= name;
        return true;
    }

    private bool ScanRoot(ReadOnlySpan<byte> json, ref byte[]? scratch, out FastChunk chunk)
    {
        chunk = default;
        var r = new Utf8JsonReader(json);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
            return false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("choices"u8))
            {
                // Exactly one choice object.
                if (!Once(ref chunk, SeenChoices) || !r.Read() || r.TokenType != JsonTokenType.StartArray
                    || !r.Read() || r.TokenType != JsonTokenType.StartObject
                    || !ScanChoice(ref r, json, ref scratch, ref chunk)
                    || !r.Read() || r.TokenType != JsonTokenType.EndArray)
                    return false;
            }
            else if (r.ValueTextEquals("model"u8))
            {
                if (!Once(ref chunk, SeenModel))
                    return false;
                r.Read();
                if (r.TokenType == JsonTokenType.String && BackendModel is null)
                    chunk.Model = r.GetString();
                else
                    r.Skip();
            }
            else if (r.ValueTextEquals("error"u8) || r.ValueTextEquals("usage"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.Null)
                    return false;
            }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        return r.TokenType == JsonTokenType.EndObject && (chunk.Seen & SeenChoices) != 0;
    }

    private static bool ScanChoice(ref Utf8JsonReader r, ReadOnlySpan<byte> json, ref byte[]? scratch, ref FastChunk chunk)
    {
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("index"u8))
            {
                if (!Once(ref chunk, SeenIndex) || !r.Read() || r.TokenType != JsonTokenType.Number || !r.TryGetInt32(out var index) || index != 0)
                    return false;
            }
            else if (r.ValueTextEquals("delta"u8))
            {
                if (!Once(ref chunk, SeenDelta))
                    return false;
                r.Read();
                if (r.TokenType == JsonTokenType.StartObject)
                {
                    if (!ScanDelta(ref r, json, ref scratch, ref chunk))
                        return false;
                }
                else
                {
                    r.Skip(); // not an object: no delta, as on the full path
                }
            }
            else if (r.ValueTextEquals("finish_reason"u8) || r.ValueTextEquals("stop_reason"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.String)
                    return false; // the last chunk: the full path reads it
                r.Skip();
            }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        return r.TokenType == JsonTokenType.EndObject;
    }

    private static bool ScanDelta(ref Utf8JsonReader r, ReadOnlySpan<byte> json, ref byte[]? scratch, ref FastChunk chunk)
    {
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("content"u8))
            {
                if (!Once(ref chunk, SeenContent) || !ReadText(ref r, json, ref scratch, ref chunk, out chunk.Content))
                    return false;
            }
            else if (r.ValueTextEquals("reasoning_content"u8))
            {
                if (!Once(ref chunk, SeenReasoningContent) || !ReadText(ref r, json, ref scratch, ref chunk, out chunk.ReasoningContent))
                    return false;
            }
            else if (r.ValueTextEquals("reasoning"u8))
            {
                if (!Once(ref chunk, SeenReasoning) || !ReadText(ref r, json, ref scratch, ref chunk, out chunk.Reasoning))
                    return false;
            }
            else if (r.ValueTextEquals("tool_calls"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.StartArray)
                    return false;
                r.Skip();
            }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        return r.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>The value after a name: a string's UTF-8 (unescaped into the scratch buffer when it has escapes);
    /// anything else is no text (Length 0), as the full path's NonEmptyString. False: not valid UTF-8.</summary>
    private static bool ReadText(ref Utf8JsonReader r, ReadOnlySpan<byte> json, ref byte[]? scratch, ref FastChunk chunk, out TextSpan text)
    {
        text = default;
        r.Read();
        if (r.TokenType != JsonTokenType.String)
        {
            r.Skip();
            return true;
        }
        if (!r.ValueIsEscaped)
        {
            text = new TextSpan(false, checked((int)r.TokenStartIndex + 1), r.ValueSpan.Length);
            return Utf8.IsValid(r.ValueSpan);
        }
        scratch ??= ArrayPool<byte>.Shared.Rent(json.Length);
        var n = r.CopyString(scratch.AsSpan(chunk.ScratchUsed));
        text = new TextSpan(true, chunk.ScratchUsed, n);
        chunk.ScratchUsed += n;
        return Utf8.IsValid(scratch.AsSpan(text.Start, n));
    }

    private static JsonDocument ParseChunk(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            return JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new BackendStreamException($"the backend sent a stream chunk that is not valid JSON: {e.Message}", recoverable: true);
        }
    }

    /// <summary>Chunks read by the fast path (tests and benchmarks: the common chunk must take it).</summary>
    internal int FastChunks { get; private set; }

    /// <summary>The model the backend's chunks name (the first one that does): what served the request.</summary>
    public string? BackendModel { get; private set; }

    /// <summary>True once any text/thinking/tool output has been emitted (time to first token).</summary>
    public bool HasOutput { get; private set; }

    /// <summary>True once a finish_reason has been seen.</summary>
    public bool Finished => _finishReason is not null;

    /// <summary>At end of the backend stream: closes the open block, sends message_delta and message_stop.
    /// Throws BackendStreamException (no finish_reason seen) so the host sends an error event instead.</summary>
    public void Complete()
    {
        if (!_started)
            throw new InvalidOperationException("Start must be called before Complete");
        if (_completed)
            return;
        if (_finishReason is null)
            throw new BackendStreamException("the backend stream ended before the response was complete (no finish_reason): the connection was cut or the server stopped");
        foreach (var slot in _tools)
        {
            // A call that got arguments but never a name cannot become a tool_use block; say so rather than drop it.
            if (!slot.Started && slot.Pending is { Length: > 0 })
                throw new BackendStreamException($"the backend sent tool call {slot.BackendIndex} without a function name");
        }
        CloseOpenBlock();
        _completed = true;
        StopReason = MapFinishReason(_finishReason);
        sink.MessageDelta(StopReason, StopReason == "stop_sequence" ? _stopSequence : null, Usage);
        sink.MessageStop();
    }

    /// <summary>True when the backend reported usage (<see cref="Usage"/> holds its figures, not the estimate).</summary>
    public bool UsageReported => _backendUsage is not null;

    /// <summary>True when the backend's usage said how many prompt tokens came from its cache (LM Studio never does).</summary>
    public bool CachedTokensReported { get; private set; }

    /// <summary>Usage so far, final after Complete: the backend's when it reported any, else the Start estimate
    /// and a count of output deltas (also meaningful for a stream that ended in an error).</summary>
    public UsageCounts Usage => _backendUsage ?? new UsageCounts(_estimatedInput, _outputDeltas, 0);
    public string? StopReason { get; private set; }

    private void OnDelta(JsonElement delta)
    {
        // Engines name the reasoning field differently (mlx_lm.server and newer LM Studio: reasoning; older LM
        // Studio, vLLM, llama.cpp: reasoning_content). Some send both with the same text: take one.
        var reasoning = NonEmptyString(delta, "reasoning_content") ?? NonEmptyString(delta, "reasoning");
        if (reasoning is not null)
        {
            Ensure(Open.Thinking);
            sink.ThinkingDelta(_openIndex, reasoning);
            Emitted();
        }
        if (NonEmptyString(delta, "content") is { } text)
            OnText(text);
        if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
                OnToolCallFragment(call);
        }
    }

    private void OnText(string text)
    {
        // Some servers send whitespace content between or around tool-call fragments. Opening a text block for it
        // would close the tool block and strand the call's remaining fragments, so it waits for real text.
        if (_open == Open.Tool && string.IsNullOrWhiteSpace(text))
        {
            _heldWhitespace = _heldWhitespace is null ? text : _heldWhitespace + text;
            return;
        }
        if (_heldWhitespace is not null)
        {
            text = _heldWhitespace + text;
            _heldWhitespace = null;
        }
        Ensure(Open.Text);
        sink.TextDelta(_openIndex, text);
        Emitted();
    }

    private void OnToolCallFragment(JsonElement call)
    {
        _heldWhitespace = null; // whitespace inside a run of tool-call fragments means nothing
        var id = NonEmptyString(call, "id");
        string? name = null, arguments = null;
        if (call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
        {
            name = NonEmptyString(function, "name");
            arguments = NonEmptyString(function, "arguments");
        }
        var slot = FindSlot(call, id, name);
        slot.Id ??= id;
        slot.Name ??= name;

        if (!slot.Started)
        {
            if (arguments is not null)
                (slot.Pending ??= new StringBuilder()).Append(arguments);
            if (slot.Name is null)
                return; // wait for the name: a tool_use block cannot start without it
            StartTool(slot);
            if (slot.Pending is { Length: > 0 } pending)
                SendArguments(slot, pending.ToString());
            slot.Pending = null;
            return;
        }
        if (arguments is null)
            return;
        if (_openTool != slot)
            // A closed block cannot be reopened; interleaved fragments of parallel calls would be lost.
            throw new BackendStreamException($"the backend interleaved the arguments of parallel tool calls (call {slot.BackendIndex} continued after another call started)");
        SendArguments(slot, arguments);
    }

    private void SendArguments(ToolCallSlot slot, string arguments)
    {
        sink.InputJsonDelta(slot.BlockIndex, arguments);
        slot.SentArguments = true;
        _outputDeltas++;
    }

    private ToolCallSlot FindSlot(JsonElement call, string? id, string? name)
    {
        if (call.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number && i.TryGetInt32(out var index))
        {
            foreach (var existing in _tools)
            {
                if (existing.BackendIndex == index)
                    return existing;
            }
            return AddSlot(index);
        }
        // No index (some servers omit it for whole calls): a fragment with an id or name starts a new call,
        // one without continues the last.
        if (_tools.Count > 0 && id is null && name is null)
            return _tools[^1];
        return AddSlot(_tools.Count == 0 ? 0 : _tools[^1].BackendIndex + 1);
    }

    private ToolCallSlot AddSlot(int index)
    {
        var slot = new ToolCallSlot(index);
        _tools.Add(slot);
        return slot;
    }

    private void StartTool(ToolCallSlot slot)
    {
        CloseOpenBlock();
        slot.Id = ToolCallSlot.SafeId(slot.Id);
        slot.BlockIndex = _nextIndex++;
        _open = Open.Tool;
        _openIndex = slot.BlockIndex;
        _openTool = slot;
        _emittedToolUse = true;
        sink.BlockStart(slot.BlockIndex, "tool_use", slot.Id, slot.Name);
        HasOutput = true;
    }

    /// <summary>Makes a block of this kind the open one, closing any other first.</summary>
    private void Ensure(Open kind)
    {
        if (_open == kind)
            return;
        CloseOpenBlock();
        _open = kind;
        _openIndex = _nextIndex++;
        sink.BlockStart(_openIndex, kind == Open.Text ? "text" : "thinking", null, null);
    }

    private void CloseOpenBlock()
    {
        if (_open == Open.None)
            return;
        if (_open == Open.Thinking)
            sink.SignatureDelta(_openIndex, LocalThinkingSignature);
        // A call with no argument text at all (some servers send "" for a no-parameter call) has the input {}:
        // say so, rather than leave the block without content.
        if (_openTool is { SentArguments: false } tool)
            SendArguments(tool, "{}");
        sink.BlockStop(_openIndex);
        _open = Open.None;
        _openIndex = -1;
        _openTool = null;
    }

    private void Emitted()
    {
        HasOutput = true;
        _outputDeltas++;
    }

    private string MapFinishReason(string finish) => finish switch
    {
        "length" => "max_tokens",
        "content_filter" => "refusal",
        // Some servers say "stop" after emitting tool calls; the client must run them either way. A server that
        // says "tool_calls" without any call gets end_turn: a tool_use stop with no tool_use block would hang.
        _ when _emittedToolUse => "tool_use",
        "stop" when _stopSequence is not null => "stop_sequence",
        _ => "end_turn",
    };

    private static UsageCounts ReadUsage(JsonElement usage)
    {
        var prompt = IntOrZero(usage, "prompt_tokens");
        var completion = IntOrZero(usage, "completion_tokens");
        var cached = usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object
            ? IntOrZero(details, "cached_tokens")
            : 0;
        cached = Math.Clamp(cached, 0, prompt);
        return new UsageCounts(prompt - cached, completion, cached);
    }

    private static int IntOrZero(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n > 0 ? n : 0;

    private static string? NonEmptyString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static string ErrorText(JsonElement error) => error.ValueKind switch
    {
        JsonValueKind.String => error.GetString()!,
        JsonValueKind.Object when error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String => m.GetString()!,
        _ => error.GetRawText(),
    };
}
