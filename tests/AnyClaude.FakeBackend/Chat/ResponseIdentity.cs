namespace AnyClaude.FakeBackend.Chat;

/// <summary>Fields repeated in every chunk of one response.</summary>
internal sealed record ResponseIdentity(string Id, long Created, string Model, string SystemFingerprint);

/// <summary>Usage figures for one response.</summary>
internal readonly record struct UsageFigures(int PromptTokens, int CompletionTokens, int CachedTokens, bool ReportCached);
