#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

// A price, discount or value as Algolia takes it: a JSON number or a string ("8$", "30%").
// The JSON text is kept as received so that a round trip is byte-exact (49.99 stays 49.99).
struct Amount
{
    QByteArray json; // the JSON token: 49.99 or "30%"

    bool isString() const { return json.startsWith('"'); }
    // The numeric value; strings are read leniently ("8$" -> 8). nullopt when no number can be read.
    std::optional<double> toDouble() const { return valueOf(json); }
    // The same for an amount's JSON token as the parser left it (the ingest path's views): no copy.
    static std::optional<double> valueOf(QByteArrayView json);
    static Amount fromNumber(double number);
    static Amount fromString(const QString& text);
    bool operator==(const Amount& other) const { return json == other.json; }
};

// One objectData item of a conversion event. Keys Algolia does not define are kept in `extras`.
struct ObjectDataItem
{
    std::optional<Amount> price;
    std::optional<Amount> discount;
    std::optional<qint64> quantity;
    std::optional<QString> queryID;
    QList<std::pair<QString, QByteArray>> extras; // key -> JSON value text

    bool operator==(const ObjectDataItem& other) const;
};

// An Insights event as sent to POST /1/events. Every field Algolia defines is typed; absent fields are
// nullopt (JSON null counts as absent, as in Algolia's decoder); unknown fields are kept verbatim so that
// they survive a round trip (Algolia accepts them).
struct Event
{
    std::optional<QString> eventType;    // click | conversion | view | instantsearch (kept as sent)
    std::optional<QString> eventSubtype; // addToCart | purchase
    std::optional<QString> eventName;
    std::optional<QString> index;
    std::optional<QString> userToken;
    std::optional<QString> authenticatedUserToken;
    std::optional<qint64> timestamp; // ms since the epoch
    std::optional<QString> queryID;
    std::optional<QStringList> objectIDs;
    std::optional<QStringList> filters;
    std::optional<QList<qint64>> positions;
    std::optional<QList<ObjectDataItem>> objectData;
    std::optional<Amount> value;
    std::optional<QString> currency;
    std::optional<QString> agentID;
    QList<std::pair<QString, QByteArray>> extras; // unknown key -> JSON value text, in input order

    bool operator==(const Event& other) const;

    // The token the event is attributed to: the authenticated one when present.
    QString effectiveUserToken() const;
    // The value of an unknown field, as JSON text; empty when absent.
    QByteArray extra(QStringView key) const;
    void setExtra(const QString& key, const QByteArray& json);
};
