#include "compatibilityprofile.h"

namespace {

constexpr qint64 kDayMs = 86'400'000;

CompatibilityProfile makeCurrent()
{
    CompatibilityProfile profile;
    profile.name = QStringLiteral("current");
    profile.timestampWindowMs = 30 * kDayMs;
    profile.timestampTooOldMessage = QStringLiteral("The timestamp is too far in the past");
    profile.allowInstantSearch = true;
    profile.eventTypeMessage =
        QStringLiteral("EventType must be one of \"click\", \"conversion\", \"view\" or \"instantsearch\"");
    profile.allowMessageQueryIDs = true;
    profile.maxFilters = 20;
    return profile;
}

// Algolia's rules before February 2026: 4-day window, no instantsearch events, 10 filters (as the docs said).
CompatibilityProfile makeLegacy2025()
{
    CompatibilityProfile profile;
    profile.name = QStringLiteral("legacy-2025");
    profile.timestampWindowMs = 4 * kDayMs;
    profile.timestampTooOldMessage = QStringLiteral("The timestamp must be at most 4 days in the past");
    profile.allowInstantSearch = false;
    profile.eventTypeMessage =
        QStringLiteral("EventType must be one of \"click\", \"conversion\" or \"view\"");
    profile.allowMessageQueryIDs = false;
    profile.maxFilters = 10;
    return profile;
}

} // namespace

const CompatibilityProfile& CompatibilityProfile::current()
{
    static const CompatibilityProfile profile = makeCurrent();
    return profile;
}

const CompatibilityProfile& CompatibilityProfile::legacy2025()
{
    static const CompatibilityProfile profile = makeLegacy2025();
    return profile;
}

const CompatibilityProfile* CompatibilityProfile::byName(QStringView name)
{
    if (name == current().name)
        return &current();
    if (name == legacy2025().name)
        return &legacy2025();
    return nullptr;
}

QStringList CompatibilityProfile::names()
{
    return {current().name, legacy2025().name};
}
