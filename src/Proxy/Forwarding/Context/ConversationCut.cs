using System.Buffers;
using System.Globalization;
using System.Text.Json;
using AnyClaude.Proxy.Tokens;

namespace AnyClaude.Proxy.Forwarding.Context;

/// <summary>Which request a cut is for: a main turn (cut with hysteresis, the same cut on every later turn) or
/// Claude Code's summary request (cut until the summary has its budget).</summary>
internal enum CutPurpose
{
    Main,
    Summary,
}

/// <summary>A cut's outcome: the new request body (null when nothing was cut), the prompt's size after it, and what
/// was elided.</summary>
internal sealed record CutResult(byte[]? Body, int InputTokens, int ElidedTokens, int ElidedBlocks, bool ToolsDropped);

/// <summary>The sizes the context policy works with, all derived from the backend's window W.</summary>
internal static class ContextBudget
{
    /// <summary>A main turn bigger than this is cut: ⅞ W, where Start-AnyClaude makes Claude Code compact
    /// (AnyClaude.Cmdlets.Launch.CompactionEnvironment).</summary>
    public static int CutAbove(int window) => window - window / 8;

    /// <summary>What a main turn's cut leaves at most: half the window, so Claude Code has room to grow (a cut right
    /// below <see cref="CutAbove"/> would be followed by another compaction or cut one turn later).</summary>
    public static int CutTo(int window) => window / 2;

    /// <summary>The room a main turn must keep for its answer; less is refused.</summary>
    public static int MinAnswer(int window) => Math.Clamp(window / 16, 256, 4_096);

    /// <summary>The output budget of a summary request: a quarter of the window, 2,048–16,384 tokens (a ~3,000-token
    /// summary, and room for a thinking model's reasoning before it).</summary>
    public static int SummaryOutput(int window) => Math.Clamp(window / 4, 2_048, 16_384);
}

/// <summary>
/// The elision cut: replaces whole content blocks the model can do without (tool results, file bodies Claude Code
/// re-attaches as &lt;system-reminder&gt; "Called the Read tool" blocks, thinking) with a marker
/// "[elided by AnyClaude to fit the 32,768-token window: N tokens]", oldest first. The system prompt, the tools and
/// the newest message's own content stay whole (a summary request may also lose tools and older text as a last resort).
/// Deterministic and prefix-stable for main turns: the number of blocks cut is computed by replaying the conversation's
/// user-message boundaries (each an earlier request) with hysteresis — cut only when a boundary exceeds
/// <see cref="ContextBudget.CutAbove"/>, then down to <see cref="ContextBudget.CutTo"/> — so turn N+1 makes the same
/// cut as turn N unless it has to cut more, and the backend's prefix cache keeps matching.
/// </summary>
internal static class ConversationCut
{
    /// <summary>The block index of a message whose whole (string) content is one unit.</summary>
    private const int WholeContent = -1;

    /// <summary>Blocks smaller than this are never cut: the marker would save nothing.</summary>
    internal const int MinBlockTokens = 64;

    private enum UnitKind
    {
        Attachment,
        Thinking,
        ToolResult,
        Text,
    }

    private readonly record struct Unit(int Message, int Block, UnitKind Kind, int Tokens, int Saved);

    public static string Marker(int window, int tokens) =>
        string.Create(CultureInfo.InvariantCulture, $"[elided by AnyClaude to fit the {window:N0}-token window: {tokens:N0} tokens]");

    /// <summary>Cuts the request to fit the window; Body is null when nothing needed cutting (or nothing could be cut).</summary>
    public static CutResult Apply(JsonElement root, int window, CutPurpose purpose, CancellationToken ct)
    {
        var total = TokenCounter.CountRequest(root, ct);
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            return new CutResult(null, total, 0, 0, false);
        var units = Units(messages, window, purpose, ct);

        int cut;
        var dropTools = false;
        if (purpose == CutPurpose.Main)
        {
            cut = Replay(root, messages, units, window, ct);
        }
        else
        {
            var target = window - ContextBudget.SummaryOutput(window);
            var size = total;
            cut = 0;
            while (size > target && cut < units.Count)
            {
                size -= units[cut].Saved;
                cut++;
            }
            // The summary must not call tools anyway ("Do NOT call any tools"); their definitions are the last thing to go.
            dropTools = size > target && root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0;
        }
        if (cut == 0 && !dropTools) return new CutResult(null, total, 0, 0, false);

        var elided = new Dictionary<(int, int), Unit>();
        for (var i = 0; i < cut; i++) elided[(units[i].Message, units[i].Block)] = units[i];
        var body = Write(root, messages, elided, window, dropTools);
        using var doc = JsonDocument.Parse(body);
        var after = TokenCounter.CountRequest(doc.RootElement, ct);
        return new CutResult(body, after, Math.Max(0, total - after), cut, dropTools);
    }

    /// <summary>The blocks that may be cut, in the order they are cut: by message, and within one message attachments,
    /// then thinking, then tool results (so every user-message boundary's eligible blocks are a prefix of the order).
    /// Older text blocks come last and only for a summary request.</summary>
    private static List<Unit> Units(JsonElement messages, int window, CutPurpose purpose, CancellationToken ct)
    {
        var regular = new List<Unit>();
        var text = new List<Unit>();
        var count = messages.GetArrayLength();
        // The newest user message: its tool results are what the model answers now (2.1.197 puts a role-system message
        // of re-attached files after it).
        var newestUser = count - 1;
        while (newestUser > 0 && !(messages[newestUser].ValueKind == JsonValueKind.Object && messages[newestUser].TryGetProperty("role", out var nr) && nr.ValueEquals("user")))
            newestUser--;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var last = index == count - 1;
            // 2.1.197 re-attaches the files after a compaction as one message of role "system" with string content.
            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var whole) && whole.ValueKind == JsonValueKind.String
                && !(message.TryGetProperty("role", out var r) && r.ValueEquals("assistant")) && IsAttachment(whole.GetString()!))
            {
                var tokens = TokenCounter.Count(whole.GetString()!, ct);
                var unit = new Unit(index, WholeContent, UnitKind.Attachment, tokens, tokens - TokenCounter.Count(Marker(window, tokens), ct));
                if (tokens >= MinBlockTokens && unit.Saved > 0) regular.Add(unit);
            }
            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
            {
                var isUser = message.TryGetProperty("role", out var role) && role.ValueEquals("user");
                var perKind = new List<Unit>[3] { [], [], [] };
                var block = 0;
                foreach (var b in content.EnumerateArray())
                {
                    if (Classify(b, isUser) is { } kind)
                    {
                        var tokens = TokenCounter.CountContentBlock(b, ct);
                        var unit = new Unit(index, block, kind, tokens, tokens - TokenCounter.Count(Marker(window, tokens), ct));
                        if (tokens >= MinBlockTokens && unit.Saved > 0)
                        {
                            if (kind == UnitKind.Text)
                            {
                                if (purpose == CutPurpose.Summary && !last) text.Add(unit);
                            }
                            else if (!(index >= newestUser && kind == UnitKind.ToolResult && purpose == CutPurpose.Main))
                            {
                                // The newest tool results are what the model is answering; a main turn keeps them.
                                perKind[(int)kind].Add(unit);
                            }
                        }
                    }
                    block++;
                }
                foreach (var list in perKind) regular.AddRange(list);
            }
            index++;
        }
        regular.AddRange(text);
        return regular;
    }

    private static UnitKind? Classify(JsonElement block, bool isUser)
    {
        if (block.ValueKind != JsonValueKind.Object || !block.TryGetProperty("type", out var type)) return null;
        if (type.ValueEquals("tool_result")) return UnitKind.ToolResult;
        if (type.ValueEquals("thinking")) return UnitKind.Thinking;
        if (!type.ValueEquals("text") || !block.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String) return null;
        var text = t.GetString()!;
        if (isUser && IsAttachment(text)) return UnitKind.Attachment;
        return SummaryRequest.IsInstruction(text) ? null : UnitKind.Text;
    }

    /// <summary>A tool call or result Claude Code attaches as text (the files it re-reads after a compaction, a file
    /// the user named with @): "Called the Read tool with the following input: …" and "Result of calling the Read
    /// tool:\n…" (2.1.197 <c>jen()</c>/<c>Fen()</c>), with or without a &lt;system-reminder&gt; around it.</summary>
    internal static bool IsAttachment(string text)
    {
        var t = text.AsSpan().TrimStart();
        if (t.StartsWith("<system-reminder>", StringComparison.Ordinal)) t = t["<system-reminder>".Length..].TrimStart();
        return (t.StartsWith("Called the ", StringComparison.Ordinal) && t.Contains(" tool with the following input", StringComparison.Ordinal))
            || t.StartsWith("Result of calling the ", StringComparison.Ordinal);
    }

    /// <summary>Replays the user-message boundaries: how many blocks (in cut order) the whole conversation cuts.</summary>
    private static int Replay(JsonElement root, JsonElement messages, List<Unit> units, int window, CancellationToken ct)
    {
        var above = ContextBudget.CutAbove(window);
        var to = ContextBudget.CutTo(window);
        var size = TokenCounter.CountSystemAndTools(root, ct);
        var count = messages.GetArrayLength();
        var cut = 0;
        var saved = 0;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            size += TokenCounter.CountMessage(message, ct);
            var isUser = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var role) && role.ValueEquals("user");
            if ((isUser || index == count - 1) && size - saved > above)
            {
                // Eligible at this boundary: blocks of earlier messages, and this message's attachments.
                var eligible = 0;
                while (eligible < units.Count && (units[eligible].Message < index || (units[eligible].Message == index && units[eligible].Kind == UnitKind.Attachment)))
                    eligible++;
                while (cut < eligible && size - saved > to)
                {
                    saved += units[cut].Saved;
                    cut++;
                }
            }
            index++;
        }
        return cut;
    }

    private static byte[] Write(JsonElement root, JsonElement messages, Dictionary<(int, int), Unit> elided, int window, bool dropTools)
    {
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (dropTools && (property.NameEquals("tools") || property.NameEquals("tool_choice"))) continue;
                if (!property.NameEquals("messages"))
                {
                    property.WriteTo(w);
                    continue;
                }
                w.WriteStartArray("messages");
                var index = 0;
                foreach (var message in messages.EnumerateArray())
                {
                    WriteMessage(w, message, index, elided, window);
                    index++;
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return output.WrittenSpan.ToArray();
    }

    private static void WriteMessage(Utf8JsonWriter w, JsonElement message, int index, Dictionary<(int, int), Unit> elided, int window)
    {
        if (message.ValueKind == JsonValueKind.Object && elided.ContainsKey((index, WholeContent)))
        {
            w.WriteStartObject();
            foreach (var property in message.EnumerateObject())
            {
                if (property.NameEquals("content")) w.WriteString("content", Marker(window, elided[(index, WholeContent)].Tokens));
                else property.WriteTo(w);
            }
            w.WriteEndObject();
            return;
        }
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array
            || !elided.Keys.Any(k => k.Item1 == index))
        {
            message.WriteTo(w);
            return;
        }
        w.WriteStartObject();
        foreach (var property in message.EnumerateObject())
        {
            if (!property.NameEquals("content"))
            {
                property.WriteTo(w);
                continue;
            }
            w.WriteStartArray("content");
            var block = 0;
            foreach (var b in content.EnumerateArray())
            {
                if (elided.TryGetValue((index, block), out var unit)) WriteMarker(w, b, unit, window);
                else b.WriteTo(w);
                block++;
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteMarker(Utf8JsonWriter w, JsonElement block, Unit unit, int window)
    {
        var marker = Marker(window, unit.Tokens);
        w.WriteStartObject();
        switch (unit.Kind)
        {
            case UnitKind.ToolResult:
                w.WriteString("type", "tool_result");
                if (block.TryGetProperty("tool_use_id", out var id)) { w.WritePropertyName("tool_use_id"); id.WriteTo(w); }
                if (block.TryGetProperty("is_error", out var error)) { w.WritePropertyName("is_error"); error.WriteTo(w); }
                w.WriteString("content", marker);
                break;
            case UnitKind.Thinking:
                w.WriteString("type", "thinking");
                w.WriteString("thinking", marker);
                if (block.TryGetProperty("signature", out var signature)) { w.WritePropertyName("signature"); signature.WriteTo(w); }
                break;
            default:
                w.WriteString("type", "text");
                w.WriteString("text", marker);
                break;
        }
        w.WriteEndObject();
    }
}
