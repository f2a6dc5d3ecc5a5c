#pragma once

#include <QString>
#include <QStringList>

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
    int maxEvents = 1000;
    qint64 maxBodyBytes = 2'000'000; // "the request body must be smaller than 2 MB"

    static const CompatibilityProfile& current();
    static const CompatibilityProfile& legacy2025();
    // nullptr when no profile has that name.
    static const CompatibilityProfile* byName(QStringView name);
    static QStringList names();
};
