#pragma once

#include <QString>
#include <QStringList>

// Algolia's limits of one POST /1/events request (insights-api.md §1.3): at most 1000 events, a body
// strictly smaller than 2 MB, taken as 2,000,000 bytes rather than 2 MiB because Algolia does not say which
// it means. The profiles, the outbox's batches, the client and `send` take them from here.
namespace RequestLimits {
inline constexpr int kMaxEvents = 1000;
inline constexpr qint64 kMaxBodyBytes = 2'000'000;
} // namespace RequestLimits

// Algolia changed some rules over time (insights-api.md §2.1, §2.7). A profile fixes one set of them so
// that a tester can check against what their Algolia deployment does.
struct CompatibilityProfile
{
    QString name;
    qint64 timestampWindowMs = 0;     // how far in the past a timestamp may be
    QString timestampTooOldMessage;   // Algolia's text for that rule in this profile
    bool allowInstantSearch = true;   // eventType "instantsearch"
    QString eventTypeMessage;         // Algolia's text for an unknown eventType in this profile
    bool allowMessageQueryIDs = true; // queryID "message_…" (agentic analytics)
    int maxFilters = 20;
    int maxObjectIDs = 20;
    int maxEvents = RequestLimits::kMaxEvents;
    qint64 maxBodyBytes = RequestLimits::kMaxBodyBytes; // "the request body must be smaller than 2 MB"

    static const CompatibilityProfile& current();
    static const CompatibilityProfile& legacy2025();
    // nullptr when no profile has that name.
    static const CompatibilityProfile* byName(QStringView name);
    static QStringList names();
};
