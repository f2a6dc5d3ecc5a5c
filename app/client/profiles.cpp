#include "profiles.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <limits>

namespace {

std::optional<QJsonObject> objectOf(const QByteArray& body, QString* error)
{
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        if (error)
            *error = QStringLiteral("the profile is not a JSON object");
        return std::nullopt;
    }
    return document.object();
}

// Scores are integers in Algolia's examples; a string score is read as a number when it is one. Anything
// else, "nan" and "inf" included (QString::toDouble reads them), is 0: a NaN would break the sort by score.
double number(const QJsonValue& value)
{
    const double read = value.isDouble()   ? value.toDouble()
                        : value.isString() ? value.toString().toDouble()
                                           : 0;
    return std::isfinite(read) ? read : 0;
}

// An affinity's score (1..20 per Algolia) as an int; a value beyond int's range is clamped, since casting it
// would be undefined (found by fuzz_profiles).
int intScore(double score)
{
    return static_cast<int>(std::clamp(score, static_cast<double>(std::numeric_limits<int>::min()),
                                       static_cast<double>(std::numeric_limits<int>::max())));
}

} // namespace

namespace ProfileParser {

std::optional<PersonalizationProfile> parseClassic(const QByteArray& body, QString* error)
{
    const std::optional<QJsonObject> object = objectOf(body, error);
    if (!object)
        return std::nullopt;
    if (!object->value(QLatin1String("userToken")).isString()) {
        if (error)
            *error = QStringLiteral("the profile has no userToken");
        return std::nullopt;
    }
    PersonalizationProfile profile;
    profile.userToken = object->value(QLatin1String("userToken")).toString();
    profile.lastEventAt = object->value(QLatin1String("lastEventAt")).toString();
    const QJsonObject scores = object->value(QLatin1String("scores")).toObject();
    for (auto facet = scores.begin(); facet != scores.end(); ++facet) {
        if (facet.value().isObject()) {
            const QJsonObject values = facet.value().toObject();
            for (auto value = values.begin(); value != values.end(); ++value)
                profile.scores.append({facet.key(), value.key(), number(value.value())});
        } else {
            // The inner shape is not documented (insights-api.md §4.1): keep a flat score as it is.
            profile.scores.append({facet.key(), QString(), number(facet.value())});
        }
    }
    std::stable_sort(profile.scores.begin(), profile.scores.end(),
                     [](const auto& a, const auto& b) { return a.score > b.score; });
    return profile;
}

std::optional<AdvancedProfile> parseAdvanced(const QByteArray& body, QString* error)
{
    const std::optional<QJsonObject> object = objectOf(body, error);
    if (!object)
        return std::nullopt;
    if (!object->value(QLatin1String("userID")).isString()) {
        if (error)
            *error = QStringLiteral("the profile has no userID");
        return std::nullopt;
    }
    AdvancedProfile profile;
    profile.userID = object->value(QLatin1String("userID")).toString();
    profile.type = object->value(QLatin1String("type")).toString();
    profile.lastUpdatedAt = object->value(QLatin1String("lastUpdatedAt")).toString();
    const QJsonArray affinities = object->value(QLatin1String("affinities")).toArray();
    for (const QJsonValue& item : affinities) {
        const QJsonObject entry = item.toObject();
        AdvancedProfile::Affinity affinity;
        affinity.name = entry.value(QLatin1String("name")).toString();
        for (const QJsonValue& index : entry.value(QLatin1String("indices")).toArray())
            affinity.indices.append(index.toString());
        const QJsonValue value = entry.value(QLatin1String("value"));
        affinity.value = value.isString() ? value.toString() : QString::number(value.toDouble());
        affinity.score = intScore(number(entry.value(QLatin1String("score"))));
        affinity.lastUpdatedAt = entry.value(QLatin1String("lastUpdatedAt")).toString();
        profile.affinities.append(std::move(affinity));
    }
    std::stable_sort(profile.affinities.begin(), profile.affinities.end(),
                     [](const auto& a, const auto& b) { return a.score > b.score; });
    return profile;
}

} // namespace ProfileParser

QString describeProfile(const ProfileLookup& lookup)
{
    const bool advanced = lookup.kind == ProfileKind::Advanced;
    QString text = advanced ? QStringLiteral("Advanced Personalization") : QStringLiteral("Personalization");
    if (!lookup.found()) {
        if (!lookup.parseError.isEmpty())
            return text + QStringLiteral(": unreadable answer (") + lookup.parseError + QLatin1Char(')');
        return text + QStringLiteral(": ") + lookup.result.describe();
    }
    if (advanced) {
        const AdvancedProfile& profile = *lookup.advanced;
        text += QStringLiteral(" (%1 profile, updated %2)").arg(profile.type, profile.lastUpdatedAt);
        if (profile.affinities.isEmpty())
            text += QStringLiteral("\n  no affinities yet");
        for (const AdvancedProfile::Affinity& affinity : profile.affinities) {
            text += QStringLiteral("\n  %1: %2 (score %3)")
                        .arg(affinity.name, affinity.value)
                        .arg(affinity.score);
        }
        return text;
    }
    const PersonalizationProfile& profile = *lookup.classic;
    text += QStringLiteral(" (last event %1)").arg(profile.lastEventAt);
    if (profile.scores.isEmpty())
        text += QStringLiteral("\n  no scores yet");
    for (const PersonalizationProfile::Score& score : profile.scores)
        text +=
            QStringLiteral("\n  %1: %2 (score %3)").arg(score.facetName, score.facetValue).arg(score.score);
    return text;
}
