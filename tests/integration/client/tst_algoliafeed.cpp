// Polling Algolia's debugger feed (GET /1/events) against a local stand-in: overlapping windows in the
// feed's date layout, records deduplicated across polls, Algolia's verdict attached to the events the
// app sent, the others (a live site's events) logged with source Algolia, and a key without the
// analytics ACL stopping the polling with a message.

#include "faultserver.h"

#include "client/algoliafeed.h"
#include "client/insightsclient.h"

#include "event/eventcodec.h"
#include "log/recordbatch.h"
#include "outbox/outbox.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

namespace {

Event makeEvent(const QString& token, const QString& objectID)
{
    Event event;
    event.eventType = QStringLiteral("view");
    event.eventName = QStringLiteral("Product Viewed");
    event.index = QStringLiteral("products");
    event.userToken = token;
    event.objectIDs = QStringList{objectID};
    return event;
}

QJsonObject feedEntry(const QByteArray& eventJson, const QString& requestId, int status,
                      const QStringList& errors)
{
    QJsonObject entry;
    entry.insert(QStringLiteral("event"), QJsonDocument::fromJson(eventJson).object());
    entry.insert(QStringLiteral("requestID"), requestId);
    entry.insert(QStringLiteral("status"), status);
    entry.insert(QStringLiteral("errors"), QJsonArray::fromStringList(errors));
    QJsonObject headers;
    headers.insert(QStringLiteral("User-Agent"), QJsonArray{QStringLiteral("Mozilla/5.0 (site)")});
    entry.insert(QStringLiteral("headers"), headers);
    return entry;
}

} // namespace

class TestAlgoliaFeed final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dateLayout();
    void matchesSentEventsAndLogsTheRest();
    void missingAnalyticsAclStopsPolling();
};

void TestAlgoliaFeed::dateLayout()
{
    QCOMPARE(FeedParser::isoDate(1'787'306'400'123), QStringLiteral("2026-08-21T10:00:00.123Z"));
}

void TestAlgoliaFeed::matchesSentEventsAndLogsTheRest()
{
    FaultServer server;
    QVERIFY(server.listen());
    QTemporaryDir dir;
    auto outbox = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite"))).outbox;
    InsightsClient client(outbox.get());
    ClientOptions options;
    options.hosts.insightsUs = server.url();
    client.setOptions(options);
    client.setTarget(*InsightsTarget::parse(QStringLiteral("us")));
    client.setCredentials(Credentials{QStringLiteral("APP"), QStringLiteral("analytics-key")});
    QList<LogRecord> sentLog;
    client.setLogSink(
        [&sentLog](std::shared_ptr<const RecordBatch> batch) { sentLog.append(batch->toRecords()); });

    QByteArray feedBody = R"({"events":[]})";
    server.setHandler([&](const ReceivedRequest& request) {
        if (request.method == "GET")
            return FaultAction::respond(200, feedBody);
        return FaultAction::ok();
    });

    AlgoliaFeed feed(&client);
    feed.setRegion(Region::Us);
    feed.setIntervalMs(100);
    feed.setOverlapMs(50);
    QList<LogRecord> algoliaLog;
    feed.setLogSink([&algoliaLog](QList<LogRecord> records) { algoliaLog.append(records); });
    QSignalSpy verdicts(&feed, &AlgoliaFeed::verdict);

    // The app sends three events to Algolia (the stand-in).
    QSignalSpy idle(&client, &InsightsClient::idle);
    client.enqueue({makeEvent(QStringLiteral("tester-1"), QStringLiteral("a")),
                    makeEvent(QStringLiteral("tester-1"), QStringLiteral("b")),
                    makeEvent(QStringLiteral("tester-2"), QStringLiteral("c"))});
    QVERIFY(idle.wait(5000));
    QCOMPARE(sentLog.size(), 3);
    const DecodedBatch sent = EventCodec::decodeRequestBody(server.requests().constFirst().body);
    QCOMPARE(sent.rawEvents.size(), 3);

    // The feed holds them (one with Algolia's own error) plus two events a live website sent.
    QJsonArray entries;
    entries.append(feedEntry(sent.rawEvents.at(0), QStringLiteral("alg-req-1"), 200, {}));
    entries.append(feedEntry(sent.rawEvents.at(1), QStringLiteral("alg-req-1"), 200, {}));
    entries.append(feedEntry(sent.rawEvents.at(2), QStringLiteral("alg-req-2"), 422,
                             {QStringLiteral("The timestamp is too far in the past")}));
    Event site = makeEvent(QStringLiteral("anonymous-site"), QStringLiteral("x"));
    site.timestamp = 1'787'306'400'000;
    entries.append(feedEntry(EventCodec::encodeEvent(site), QStringLiteral("site-req"), 200, {}));
    site.objectIDs = QStringList{QStringLiteral("y")};
    entries.append(feedEntry(EventCodec::encodeEvent(site), QStringLiteral("site-req"), 200, {}));
    QJsonObject page;
    page.insert(QStringLiteral("events"), entries);
    feedBody = QJsonDocument(page).toJson(QJsonDocument::Compact);

    QSignalSpy polled(&feed, &AlgoliaFeed::polled);
    feed.start();
    // Several polls return the same page: each record is handled once.
    QTRY_VERIFY_WITH_TIMEOUT(polled.size() >= 4, 5000);
    feed.stop();

    QCOMPARE(verdicts.size(), 3);
    QCOMPARE(algoliaLog.size(), 2);
    for (const LogRecord& record : algoliaLog) {
        QCOMPARE(record.source, EventSource::Algolia);
        QCOMPARE(record.userToken, QStringLiteral("anonymous-site"));
        QCOMPARE(record.requestId, QStringLiteral("site-req"));
        QCOMPARE(record.userAgent, QStringLiteral("Mozilla/5.0 (site)"));
        QVERIFY(record.accepted);
    }
    // The verdicts point at the sent events as logged: request id and position.
    QHash<int, AlgoliaVerdict> byIndex;
    for (const QList<QVariant>& signal : verdicts) {
        const AlgoliaVerdict verdict = signal.at(0).value<AlgoliaVerdict>();
        QCOMPARE(verdict.requestId, sentLog.constFirst().requestId);
        byIndex.insert(verdict.indexInRequest, verdict);
    }
    QCOMPARE(byIndex.size(), 3);
    QCOMPARE(byIndex.value(2).status, 422);
    QCOMPARE(byIndex.value(2).errors, QStringList{QStringLiteral("The timestamp is too far in the past")});
    QCOMPARE(byIndex.value(0).algoliaRequestId, QStringLiteral("alg-req-1"));

    // The polls: GET /1/events with the key, limit=1000, windows that overlap.
    QList<QUrlQuery> polls;
    for (const ReceivedRequest& request : server.requests()) {
        if (request.method != "GET")
            continue;
        const QUrl url(QString::fromLatin1(request.target));
        QCOMPARE(url.path(), QStringLiteral("/1/events"));
        QCOMPARE(request.headers.value("x-algolia-api-key"), QByteArray("analytics-key"));
        polls.append(QUrlQuery(url));
    }
    QVERIFY(polls.size() >= 2);
    QCOMPARE(polls.at(0).queryItemValue(QStringLiteral("limit")), QStringLiteral("1000"));
    QVERIFY(polls.at(1).queryItemValue(QStringLiteral("startDate")) <
            polls.at(0).queryItemValue(QStringLiteral("endDate")));
    QVERIFY(polls.at(0).queryItemValue(QStringLiteral("endDate")).endsWith(QLatin1Char('Z')));
}

void TestAlgoliaFeed::missingAnalyticsAclStopsPolling()
{
    FaultServer server;
    QVERIFY(server.listen());
    server.setFallback(
        FaultAction::respond(403, R"({"status":403,"message":"Method not allowed with this API key"})"));
    QTemporaryDir dir;
    auto outbox = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite"))).outbox;
    InsightsClient client(outbox.get());
    ClientOptions options;
    options.hosts.insightsDe = server.url();
    client.setOptions(options);
    client.setTarget(*InsightsTarget::parse(QStringLiteral("de")));
    client.setCredentials(Credentials{QStringLiteral("APP"), QStringLiteral("search-only-key")});
    AlgoliaFeed feed(&client);
    feed.setRegion(Region::Eu);
    feed.setIntervalMs(50);
    QSignalSpy errors(&feed, &AlgoliaFeed::feedError);
    feed.start();
    QVERIFY(errors.wait(5000));
    QCOMPARE(errors.at(0).at(0).value<SendResult>().message,
             QStringLiteral("Method not allowed with this API key"));
    QCOMPARE(errors.at(0).at(1).toBool(), true);
    QTest::qWait(200);
    QCOMPARE(server.requests().size(), 1); // stopped, not hammering
    QVERIFY(!feed.isRunning());
}

QTEST_GUILESS_MAIN(TestAlgoliaFeed)
#include "tst_algoliafeed.moc"
