#pragma once

// A search as the debugger records it (issue 12 §1): what events citing its queryID are checked against.
// Stored in the event log as a record of kind Search whose JSON is toJson().

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

class SearchQuery;

struct SearchRecord
{
    qint64 atMs = 0; // when the endpoint answered it
    QString index;
    QString query;
    int page = 0;
    int hitsPerPage = 20;
    int nbHits = 0;
    QStringList hits; // objectIDs of the answered page, in order
    bool clickAnalytics = false;
    bool enablePersonalization = false;
    QString userToken; // X-Algolia-UserToken header, else the userToken parameter
    QString queryID;   // the one the answer carried; empty without clickAnalytics
    QString requestId;

    // The 1-based absolute position Algolia expects for `objectID` (page × hitsPerPage + rank), or nullopt
    // when it was not among the hits.
    std::optional<int> positionOf(const QString& objectID) const;

    QJsonObject toJson() const;
    QByteArray toJsonBytes() const;
    static std::optional<SearchRecord> fromJson(const QByteArray& json);

    // The facts of `query` (answered with `hits`, `nbHits` and `queryID`); the header token wins over the
    // parameter, as Algolia reads them.
    static SearchRecord of(const SearchQuery& query, const QString& headerUserToken);
    // The facts Algolia's answer carries (relay mode): hits' objectIDs, nbHits, page, hitsPerPage, queryID.
    void readAnswer(const QJsonObject& result);
};
