namespace AnyClaude.Proxy.Observability;

/// <summary>
/// Estimates cached prompt tokens from prompt-processing time, for backends that report none (LM Studio).
/// The slowest time per prompt token among a backend's larger prompts stands for a cold prefill; a request whose
/// time to first token was shorter had the difference served from the cache. An estimate, labelled as such
/// wherever it is shown: it is only as good as the session's coldest request.
/// </summary>
public static class CacheEstimator
{
    /// <summary>Prompts smaller than this are dominated by fixed overhead and do not set the cold rate.</summary>
    public const int MinimumPromptForRate = 256;

    /// <summary>Record → estimated cached tokens, for records with a time to first token whose backend reported
    /// no cached tokens; other records are absent.</summary>
    public static IReadOnlyDictionary<RequestRecord, int> Estimate(IEnumerable<RequestRecord> records)
    {
        var result = new Dictionary<RequestRecord, int>(ReferenceEqualityComparer.Instance);
        foreach (var group in records.Where(Usable).GroupBy(r => (r.Mode, r.BackendUrl)))
        {
            var list = group.ToArray();
            var rated = list.Where(r => Prompt(r) >= MinimumPromptForRate).ToArray();
            if (rated.Length == 0) continue;
            var coldSecondsPerToken = rated.Max(r => r.TimeToFirstToken!.Value.TotalSeconds / Prompt(r));
            if (coldSecondsPerToken <= 0) continue;
            foreach (var r in list) result[r] = CachedTokens(Prompt(r), r.TimeToFirstToken!.Value, coldSecondsPerToken);
        }
        return result;
    }

    /// <summary>The estimate for one request: the prompt less what its time to first token would prefill at the cold
    /// rate (seconds per prompt token of a prefill from scratch), within 0..prompt. Where the cold rate comes from is the
    /// caller's: this session's coldest request here, a benchmark's own cold turn elsewhere.</summary>
    public static int CachedTokens(int promptTokens, TimeSpan timeToFirstToken, double coldSecondsPerToken) =>
        coldSecondsPerToken > 0
            ? (int)Math.Clamp(Math.Round(promptTokens - timeToFirstToken.TotalSeconds / coldSecondsPerToken), 0, promptTokens)
            : 0;

    private static bool Usable(RequestRecord r) =>
        r.CachedTokens is null && r.TimeToFirstToken is not null && r.Error is null && r.Status < 400 && Prompt(r) > 0
        && r.Kind is not (RequestKind.CountTokens or RequestKind.Prewarm) && r.BackendUrl is not null;

    private static int Prompt(RequestRecord r) => r.InputTokens + (r.CachedTokens ?? 0);
}
