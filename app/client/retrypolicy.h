#pragma once

#include "httptransport.h"

#include <optional>

// Bounded exponential backoff with jitter, honouring the server's Retry-After and x-ratelimit-reset.
struct RetryPolicy
{
    int maxAttempts = 6;               // requests per batch in all, the first included
    qint64 baseDelayMs = 500;          // delay before the first retry, doubled each time
    qint64 maxDelayMs = 30'000;        // cap of the computed backoff
    qint64 maxServerDelayMs = 120'000; // a server asking for longer than this is not waited for: failed

    // The delay before attempt number `attemptsMade + 1`, or nullopt when the batch must not be retried
    // (success, a 4xx other than 429, attempts exhausted, or the server asks for too long a wait).
    // `jitter` in [0, 1) spreads clients apart: the delay is backoff * (0.5 + jitter / 2).
    std::optional<qint64> delayBeforeRetry(const SendResult& result, int attemptsMade, qint64 nowMs,
                                           double jitter) const;
};
