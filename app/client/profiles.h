#pragma once

#include "httptransport.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

// Classic Personalization v1: GET /1/profiles/personalization/{userToken} (insights-api.md §4.1).
struct PersonalizationProfile
{
    struct Score
    {
        QString facetName;
        QString facetValue;
        double score = 0;
    };
    QString userToken;
    QString lastEventAt; // RFC 3339, as Algolia sends it
    QList<Score> scores; // flattened {facet: {value: score}}, highest score first
};

// Advanced Personalization v2: GET /2/users/{userID} (insights-api.md §4.2).
struct AdvancedProfile
{
    struct Affinity
    {
        QString name;
        QStringList indices;
        QString value;
        int score = 0; // 1..20
        QString lastUpdatedAt;
    };
    QString userID;
    QString type; // basic | predictive | realtime
    QString lastUpdatedAt;
    QList<Affinity> affinities; // highest score first
};

enum class ProfileKind
{
    Classic,  // Personalization v1
    Advanced, // Advanced Personalization v2
};

// One look-up's outcome: a profile, or the HTTP status and Algolia's message (401, 402, 404, 422, …).
struct ProfileLookup
{
    ProfileKind kind = ProfileKind::Classic;
    QString userToken;
    SendResult result;                             // status, message; no credentials
    std::optional<PersonalizationProfile> classic; // set on a readable 200 for Classic
    std::optional<AdvancedProfile> advanced;       // set on a readable 200 for Advanced
    QString parseError;                            // a 200 whose body we could not read

    bool found() const { return classic.has_value() || advanced.has_value(); }
};

// Plain text of a look-up for people: the profile's affinities or scores, or why there is none.
QString describeProfile(const ProfileLookup& lookup);

namespace ProfileParser {
std::optional<PersonalizationProfile> parseClassic(const QByteArray& body, QString* error = nullptr);
std::optional<AdvancedProfile> parseAdvanced(const QByteArray& body, QString* error = nullptr);
} // namespace ProfileParser
