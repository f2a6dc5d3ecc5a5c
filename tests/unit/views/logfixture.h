#pragma once

// Builds real event logs (SQLite files in a temporary folder) filled with synthetic but well-formed records,
// for the view model tests, the GUI tests and the benchmark.

#include "log/eventlog.h"
#include "search/searchrecord.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace LogFixture {

// Record `n` of a deterministic stream: every 10th request is rejected (422) with its 2nd event invalid
// (userToken), the rest are accepted; event types rotate click / view / conversion·purchase; four users.
inline LogRecord record(qint64 n, qint64 receivedAtMs = 0)
{
    LogRecord r;
    const qint64 request = n / 4;
    r.requestId = QStringLiteral("req-") + QString::number(request);
    r.indexInRequest = static_cast<int>(n % 4);
    r.receivedAtMs = receivedAtMs > 0 ? receivedAtMs : QDateTime::currentMSecsSinceEpoch();
    r.source = EventSource::Endpoint;
    const bool rejected = request % 10 == 9;
    r.httpStatus = rejected ? 422 : 200;
    r.accepted = !rejected;
    static const char* const types[] = {"click", "view", "conversion"};
    r.eventType = QString::fromLatin1(types[n % 3]);
    r.eventSubtype = n % 3 == 2 ? QStringLiteral("purchase") : QString();
    r.eventName = n % 3 == 0 ? QStringLiteral("Product Clicked") : QStringLiteral("Product Viewed");
    r.index = QStringLiteral("products");
    r.userToken = QStringLiteral("user-") + QString::number(n % 4);
    r.device = QStringLiteral("desktop");
    r.agent = QStringLiteral("insights-js (2.17.0)");
    r.userAgent = QStringLiteral("Mozilla/5.0");
    r.target = QStringLiteral("local");
    if (rejected && r.indexInRequest == 1) {
        r.userToken = QStringLiteral("bad token!");
        Issue issue;
        issue.severity = Severity::Error;
        issue.eventIndex = 1;
        issue.field = QStringLiteral("userToken");
        issue.code = QStringLiteral("userToken.invalid");
        issue.message =
            QStringLiteral("UserToken must contain only alphanumeric, equal, plus, slash, hyphen, or "
                           "underscore characters, and be between 1 and 128 characters long");
        r.issues << issue;
    }
    r.message = rejected ? r.issues.isEmpty() ? QStringLiteral("UserToken must contain only alphanumeric")
                                              : r.issues.first().message
                         : QStringLiteral("OK");
    r.rawJson =
        QByteArrayLiteral("{\"eventType\":\"") + r.eventType.toUtf8() + QByteArrayLiteral("\",") +
        (r.eventSubtype.isEmpty() ? QByteArray()
                                  : QByteArrayLiteral("\"eventSubtype\":\"") + r.eventSubtype.toUtf8() +
                                        QByteArrayLiteral("\",")) +
        QByteArrayLiteral("\"eventName\":\"") + r.eventName.toUtf8() + QByteArrayLiteral("\",\"index\":\"") +
        r.index.toUtf8() + QByteArrayLiteral("\",\"userToken\":\"") + r.userToken.toUtf8() +
        QByteArrayLiteral("\",\"objectIDs\":[\"sku-") + QByteArray::number(n) + QByteArrayLiteral("\"]}");
    return r;
}

inline QList<LogRecord> records(qint64 first, qint64 count)
{
    QList<LogRecord> out;
    out.reserve(count);
    for (qint64 n = first; n < first + count; ++n)
        out << record(n);
    return out;
}

// A search the endpoint answered, as app/search/searchservice.cpp records it: `hits` are the answered page's
// objectIDs in order; `queryId` empty without clickAnalytics.
inline LogRecord searchRecord(const QString& requestId, const QString& query, const QStringList& hits,
                              const QString& queryId, const QString& userToken, int page = 0,
                              qint64 receivedAtMs = 0)
{
    SearchRecord search;
    search.index = QStringLiteral("products");
    search.query = query;
    search.page = page;
    search.hitsPerPage = 20;
    search.nbHits = static_cast<int>(hits.size()) + 40;
    search.hits = hits;
    search.clickAnalytics = !queryId.isEmpty();
    search.userToken = userToken;
    search.queryID = queryId;
    search.requestId = requestId;
    LogRecord r;
    r.kind = RecordKind::Search;
    r.requestId = requestId;
    r.receivedAtMs = receivedAtMs > 0 ? receivedAtMs : QDateTime::currentMSecsSinceEpoch();
    search.atMs = r.receivedAtMs;
    r.timestampMs = r.receivedAtMs;
    r.source = EventSource::Endpoint;
    r.httpStatus = 200;
    r.accepted = true;
    r.message = QStringLiteral("%1 hits").arg(search.nbHits);
    r.rawJson = search.toJsonBytes();
    r.index = search.index;
    r.userToken = userToken;
    r.queryId = queryId;
    r.method = QStringLiteral("POST");
    r.path = QStringLiteral("/1/indexes/*/queries");
    r.userAgent = QStringLiteral("Mozilla/5.0");
    r.device = QStringLiteral("desktop");
    auto raw = std::make_shared<RawRequest>();
    raw->method = "POST";
    raw->target = "/1/indexes/*/queries?x-algolia-agent=Algolia%20for%20JavaScript";
    raw->headers =
        "Host: 127.0.0.1\r\nX-Algolia-API-Key: ••••••••\r\nX-Algolia-UserToken: " + userToken.toUtf8() +
        "\r\n";
    raw->body = "{\"requests\":[{\"indexName\":\"products\",\"params\":\"query=" + query.toUtf8() +
                "&clickAnalytics=true\"}]}";
    r.rawRequest = raw;
    return r;
}

// A request refused before any event was judged (a wrong key, a wrong path, a body that is not JSON), as
// RecordBuilder::requestRecord makes it: the answer's status and Algolia's message, one error issue, the body
// as received in rawJson, the raw request with the key masked.
inline LogRecord refusedRequest(const QString& requestId, int status, const QString& message,
                                const QString& path, const QByteArray& body, qint64 receivedAtMs = 0)
{
    LogRecord r;
    r.kind = RecordKind::Request;
    r.requestId = requestId;
    r.receivedAtMs = receivedAtMs > 0 ? receivedAtMs : QDateTime::currentMSecsSinceEpoch();
    r.source = EventSource::Endpoint;
    r.httpStatus = status;
    r.accepted = false;
    r.message = message;
    r.method = QStringLiteral("POST");
    r.path = path;
    r.userAgent = QStringLiteral("curl/8.5.0");
    r.appId = QStringLiteral("APP1");
    r.remoteAddress = QStringLiteral("127.0.0.1");
    r.rawJson = body;
    Issue issue;
    issue.severity = Severity::Error;
    issue.eventIndex = -1;
    issue.code =
        status == 401 ? QStringLiteral("request.missingCredentials") : QStringLiteral("request.refused");
    issue.message = message;
    r.issues << issue;
    auto raw = std::make_shared<RawRequest>();
    raw->method = "POST";
    raw->target = path.toUtf8() + "?x-algolia-agent=curl";
    raw->headers = "Host: 127.0.0.1\r\nContent-Type: application/json\r\nX-Algolia-Application-Id: "
                   "APP1\r\nX-Algolia-API-Key: ••••••••\r\n";
    raw->body = body;
    r.rawRequest = raw;
    return r;
}

// A click citing a search's queryID, on `objectID` at `position` (1-based, absolute).
inline LogRecord clickAfterSearch(const QString& requestId, const QString& queryId, const QString& objectID,
                                  int position, const QString& userToken, qint64 receivedAtMs = 0)
{
    LogRecord r;
    r.kind = RecordKind::Event;
    r.requestId = requestId;
    r.receivedAtMs = receivedAtMs > 0 ? receivedAtMs : QDateTime::currentMSecsSinceEpoch();
    r.source = EventSource::Endpoint;
    r.httpStatus = 200;
    r.accepted = true;
    r.message = QStringLiteral("OK");
    r.eventType = QStringLiteral("click");
    r.eventName = QStringLiteral("Hit Clicked");
    r.index = QStringLiteral("products");
    r.userToken = userToken;
    r.queryId = queryId;
    r.method = QStringLiteral("POST");
    r.path = QStringLiteral("/1/events");
    r.rawJson =
        "{\"eventType\":\"click\",\"eventName\":\"Hit Clicked\",\"index\":\"products\",\"userToken\":\"" +
        userToken.toUtf8() + "\",\"queryID\":\"" + queryId.toUtf8() + "\",\"objectIDs\":[\"" +
        objectID.toUtf8() + "\"],\"positions\":[" + QByteArray::number(position) + "]}";
    auto raw = std::make_shared<RawRequest>();
    raw->method = "POST";
    raw->target = "/1/events";
    raw->headers = "Host: 127.0.0.1\r\nX-Algolia-API-Key: ••••••••\r\n";
    raw->body = "{\"events\":[" + r.rawJson + "]}";
    r.rawRequest = raw;
    return r;
}

// One log of every kind, oldest first (ids 1..7 in a fresh log):
// 1 search "red shoes" (queryID q-red, user-1, hits sku-1 sku-2 sku-3), 2 a click citing it (sku-2 at 2),
// 3 a view (user-1, no queryID), 4 a 401 refused request, 5 a search "hat" (q-hat, user-2) no event cites,
// 6 a 404 refused request whose body is not JSON, 7 a click citing q-none, a queryID no search returned.
inline QList<LogRecord> everyKind(qint64 startMs = 0)
{
    const qint64 t0 = startMs > 0 ? startMs : QDateTime::currentMSecsSinceEpoch() - 7000;
    QList<LogRecord> out;
    out << searchRecord(QStringLiteral("req-s1"), QStringLiteral("red shoes"),
                        {QStringLiteral("sku-1"), QStringLiteral("sku-2"), QStringLiteral("sku-3")},
                        QStringLiteral("q-red"), QStringLiteral("user-1"), 0, t0);
    out << clickAfterSearch(QStringLiteral("req-c1"), QStringLiteral("q-red"), QStringLiteral("sku-2"), 2,
                            QStringLiteral("user-1"), t0 + 1000);
    LogRecord view = record(1, t0 + 2000);
    view.requestId = QStringLiteral("req-v1");
    view.userToken = QStringLiteral("user-1");
    out << view;
    out << refusedRequest(QStringLiteral("req-r1"), 401, QStringLiteral("Invalid credentials"),
                          QStringLiteral("/1/events"), QByteArrayLiteral("{\"events\":[]}"), t0 + 3000);
    out << searchRecord(QStringLiteral("req-s2"), QStringLiteral("hat"), {QStringLiteral("sku-9")},
                        QStringLiteral("q-hat"), QStringLiteral("user-2"), 0, t0 + 4000);
    out << refusedRequest(QStringLiteral("req-r2"), 404, QStringLiteral("Not Found"),
                          QStringLiteral("/1/eventz"),
                          QByteArrayLiteral("eventType=click&userToken=abc\nsecond line"), t0 + 5000);
    out << clickAfterSearch(QStringLiteral("req-c2"), QStringLiteral("q-none"), QStringLiteral("sku-7"), 1,
                            QStringLiteral("user-2"), t0 + 6000);
    return out;
}

struct OpenLog
{
    std::unique_ptr<QTemporaryDir> dir;
    std::unique_ptr<EventLog> log;
};

inline OpenLog open(qint64 retention = 1'000'000)
{
    OpenLog out;
    out.dir = std::make_unique<QTemporaryDir>();
    EventLogOptions options;
    options.path = out.dir->filePath(QStringLiteral("events.sqlite"));
    options.retention = retention;
    EventLog::OpenResult opened = EventLog::open(options);
    out.log = std::move(opened.log);
    return out;
}

} // namespace LogFixture
