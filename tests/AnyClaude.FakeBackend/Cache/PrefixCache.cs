using AnyClaude.FakeBackend.Chat;

namespace AnyClaude.FakeBackend.Cache;

/// <summary>
/// Simulates mlx_lm.server's LRUPromptCache: entries keyed by model hold token sequences (prompt + generated tokens);
/// a new prompt reuses the longest common token prefix with any entry and recomputes the rest. An entry that is a
/// prefix of the new prompt is taken out and replaced by the extended sequence (fetch_nearest_cache extracts it,
/// insert_cache stores the longer key); at most Capacity entries, least recently used evicted first.
/// LM Studio (llama.cpp) behaves like the same cache with one entry: its single slot keeps the last prompt.
/// </summary>
internal sealed class PrefixCache(int capacity)
{
    private readonly LinkedList<(string Model, string Text)> _lru = new();
    private readonly object _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _lru.Count;
            }
        }
    }

    /// <summary>Cached tokens for this prompt (never the whole prompt: at least one token is always computed).</summary>
    public int Lookup(string model, string prompt)
    {
        lock (_gate)
        {
            var best = 0;
            LinkedListNode<(string Model, string Text)>? bestNode = null;
            for (var node = _lru.First; node is not null; node = node.Next)
            {
                if (node.Value.Model != model)
                {
                    continue;
                }
                var common = FakeTokenizer.CommonPrefixTokens(node.Value.Text, prompt);
                if (common > best)
                {
                    best = common;
                    bestNode = node;
                }
            }
            if (bestNode is not null && prompt.StartsWith(bestNode.Value.Text, StringComparison.Ordinal))
            {
                _lru.Remove(bestNode); // extracted: the extended sequence replaces it on Insert
            }
            var promptTokens = FakeTokenizer.Count(prompt);
            return Math.Min(best, Math.Max(0, promptTokens - 1));
        }
    }

    public void Insert(string model, string text)
    {
        lock (_gate)
        {
            for (var node = _lru.First; node is not null; node = node.Next)
            {
                if (node.Value.Model == model && node.Value.Text == text)
                {
                    _lru.Remove(node);
                    break;
                }
            }
            _lru.AddLast((model, text));
            while (_lru.Count > capacity)
            {
                _lru.RemoveFirst();
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _lru.Clear();
        }
    }
}
