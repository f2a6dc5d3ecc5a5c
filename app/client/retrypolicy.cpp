#include "retrypolicy.h"

#include <QtGlobal>

std::optional<qint64> RetryPolicy::delayBeforeRetry(const SendResult& result, int attemptsMade, qint64 nowMs,
                                                    double jitter) const
{
    if (!result.isRetryable() || attemptsMade >= maxAttempts)
        return std::nullopt;
    qint64 backoff = baseDelayMs;
    for (int i = 1; i < attemptsMade && backoff < maxDelayMs; ++i)
        backoff *= 2;
    backoff = qMin(backoff, maxDelayMs);
    const double spread = 0.5 + qBound(0.0, jitter, 1.0) / 2.0;
    qint64 delay = static_cast<qint64>(static_cast<double>(backoff) * spread);
    // The server knows best when it can take more: never come back earlier than it says.
    qint64 serverDelay = 0;
    if (result.retryAfterMs)
        serverDelay = qMax(serverDelay, *result.retryAfterMs);
    if (result.rateLimitResetMs && result.httpStatus == 429)
        serverDelay = qMax(serverDelay, *result.rateLimitResetMs - nowMs);
    if (serverDelay > maxServerDelayMs)
        return std::nullopt;
    return qMax(delay, serverDelay);
}
