namespace AnyClaude.FakeBackend.Chat;

/// <summary>Fields repeated in every chunk of one response.</summary>
internal sealed record ResponseIdentity(string Id, long Created, string Model, string SystemFingerprint);

/// <summary>Usage figures for one response; Rest is set for LM Studio's REST v0 endpoint, which adds timing stats.</summary>
internal readonly record struct UsageFigures(int PromptTokens, int CompletionTokens, int CachedTokens, bool ReportCached, RestStats? Rest = null);

/// <summary>LM Studio REST v0 "stats" (seconds), filled with the simulated durations.</summary>
internal sealed record RestStats(double TimeToFirstTokenSeconds, double GenerationSeconds, bool HitLimit, int ContextLength);
