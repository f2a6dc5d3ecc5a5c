#include "event.h"

#include "eventcodec.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

std::optional<double> Amount::valueOf(QByteArrayView json)
{
    if (json.isEmpty())
        return std::nullopt;
    if (!json.startsWith('"')) {
        bool ok = false;
        const double number = json.toDouble(&ok);
        return ok ? std::optional<double>(number) : std::nullopt;
    }
    // Strings such as "8$" or "30%" are allowed by the API: read the leading number, if any.
    const QByteArrayView text = json.sliced(1, std::max<qsizetype>(json.size() - 2, 0)).trimmed();
    qsizetype end = 0;
    while (end < text.size() &&
           ((text.at(end) >= '0' && text.at(end) <= '9') || text.at(end) == '.' || text.at(end) == '-'))
        ++end;
    bool ok = false;
    const double number = text.first(end).toDouble(&ok);
    return ok ? std::optional<double>(number) : std::nullopt;
}

Amount Amount::fromNumber(double number)
{
    // Shortest text that reads back as the same double, as a JSON writer would print it.
    QByteArray text = QByteArray::number(number, 'g', QLocale::FloatingPointShortest);
    if (!std::isfinite(number))
        text = "0";
    return Amount{text};
}

Amount Amount::fromString(const QString& text)
{
    return Amount{EventCodec::jsonString(text)};
}

bool ObjectDataItem::operator==(const ObjectDataItem& other) const
{
    return price == other.price && discount == other.discount && quantity == other.quantity &&
           queryID == other.queryID && extras == other.extras;
}

bool Event::operator==(const Event& other) const
{
    return eventType == other.eventType && eventSubtype == other.eventSubtype &&
           eventName == other.eventName && index == other.index && userToken == other.userToken &&
           authenticatedUserToken == other.authenticatedUserToken && timestamp == other.timestamp &&
           queryID == other.queryID && objectIDs == other.objectIDs && filters == other.filters &&
           positions == other.positions && objectData == other.objectData && value == other.value &&
           currency == other.currency && agentID == other.agentID && extras == other.extras;
}

QString Event::effectiveUserToken() const
{
    if (authenticatedUserToken && !authenticatedUserToken->isEmpty())
        return *authenticatedUserToken;
    return userToken.value_or(QString());
}

QByteArray Event::extra(QStringView key) const
{
    for (const auto& [name, json] : extras) {
        if (name == key)
            return json;
    }
    return {};
}

void Event::setExtra(const QString& key, const QByteArray& json)
{
    for (auto& entry : extras) {
        if (entry.first == key) {
            entry.second = json;
            return;
        }
    }
    extras.append({key, json});
}
