// InsightsClient against a server that fails on purpose: nothing is lost, duplicates only where a retry
// had to resend, retries are bounded and honour the server's hints, a 4xx is never retried, every event
// is logged once with its verdict, and the API key appears in no log record and no file.

#include "faultserver.h"

#include "client/insightsclient.h"

#include "event/eventcodec.h"
#include "log/eventlog.h"
#include "log/recordbatch.h"
#include "outbox/outbox.h"

#include <QDateTime>
#include <QFile>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

namespace {

const QString kApiKey = QStringLiteral("k3y-s3cr3t-5e1d-4bcd-9f00-123456789abc");
const QString kAppId = QStringLiteral("TESTAPP42");

Event makeEvent(int i)
{
    Event event;
    event.eventType = QStringLiteral("click");
    event.eventName = QStringLiteral("Product Clicked");
    event.index = QStringLiteral("products");
    event.userToken = QStringLiteral("user-%1").arg(i % 7);
    event.objectIDs = QStringList{QStringLiteral("obj-%1").arg(i)};
    event.setExtra(QStringLiteral("seq"), QByteArray::number(i));
    return event;
}

QList<Event> makeEvents(int count)
{
    QList<Event> events;
    for (int i = 0; i < count; ++i)
        events.append(makeEvent(i));
    return events;
}

// The sequence numbers carried by a request body.
QList<int> seqsOf(const QByteArray& body)
{
    QList<int> seqs;
    const DecodedBatch batch = EventCodec::decodeRequestBody(body);
    for (const Event& event : batch.events)
        seqs.append(event.extra(u"seq").toInt());
    return seqs;
}

struct Fixture
{
    QTemporaryDir dir;
    std::unique_ptr<Outbox> outbox;
    std::unique_ptr<InsightsClient> client;
    QList<LogRecord> logged;
    FaultServer server;

    explicit Fixture(ClientOptions options = {}, bool local = false)
    {
        server.listen();
        outbox = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite"))).outbox;
        client = std::make_unique<InsightsClient>(outbox.get());
        options.hosts.local = server.url();
        options.transferTimeoutMs =
            options.transferTimeoutMs == ClientOptions{}.transferTimeoutMs ? 2000 : options.transferTimeoutMs;
        options.retry.baseDelayMs =
            options.retry.baseDelayMs == RetryPolicy{}.baseDelayMs ? 20 : options.retry.baseDelayMs;
        client->setOptions(options);
        client->setTarget(local ? *InsightsTarget::parse(QStringLiteral("local"))
                                : InsightsTarget::custom(server.url()));
        client->setCredentials(Credentials{kAppId, kApiKey});
        client->setLogSink(
            [this](std::shared_ptr<const RecordBatch> batch) { logged.append(batch->toRecords()); });
    }

    bool sendAndWait(const QList<Event>& events, int timeoutMs = 20000)
    {
        QSignalSpy idle(client.get(), &InsightsClient::idle);
        client->enqueue(events);
        return idle.wait(timeoutMs);
    }

    // How many times each event reached the server, over all requests.
    QHash<int, int> deliveries() const
    {
        QHash<int, int> counts;
        for (const ReceivedRequest& request : server.requests())
            for (int seq : seqsOf(request.body))
                ++counts[seq];
        return counts;
    }
};

} // namespace

class TestClientFaults final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void deliversEverythingInBoundedBatches();
    void retriesServerErrorsAndDroppedConnections();
    void honoursRetryAfterOn429();
    void honoursRateLimitReset();
    void slowAnswerTimesOutAndIsRetried();
    void retriesAreBoundedThenFailedWithReason();
    void retriedBatchThatFailsAgainSaysSo();
    void discardingABatchInFlightStopsItsRequest();
    void clientErrorsAreNeverRetried_data();
    void clientErrorsAreNeverRetried();
    void rejected422NamesTheCulprit();
    void timestampIsCollectionTimeNotSendTime();
    void concurrencyIsBounded();
    void embeddedEndpointLogsItself();
    void keyNeverInLogOrFiles();
    void deleteUserToken();
    void profiles_data();
    void profiles();
};

void TestClientFaults::deliversEverythingInBoundedBatches()
{
    Fixture f;
    QVERIFY(f.sendAndWait(makeEvents(2500)));
    QCOMPARE(f.server.requests().size(), 3);
    for (const ReceivedRequest& request : f.server.requests()) {
        QCOMPARE(request.method, QByteArray("POST"));
        QCOMPARE(request.target, QByteArray("/1/events"));
        QVERIFY(request.body.size() < 2'000'000);
        QVERIFY(seqsOf(request.body).size() <= 1000);
        QCOMPARE(request.headers.value("x-algolia-application-id"), kAppId.toUtf8());
        QCOMPARE(request.headers.value("x-algolia-api-key"), kApiKey.toUtf8());
        QVERIFY(!request.headers.contains("x-insights-debugger-sent")); // not the embedded endpoint
        QVERIFY(!request.headers.contains("content-encoding"));         // gzip is opt-in beyond it
    }
    const QHash<int, int> deliveries = f.deliveries();
    QCOMPARE(deliveries.size(), 2500);
    for (int count : deliveries)
        QCOMPARE(count, 1);
    // Keep-alive: three requests do not need three connections each... at most `concurrency` of them.
    QVERIFY(f.server.connectionsAccepted() <= 2);
    QCOMPARE(f.client->stats().accepted, 2500);
    QCOMPARE(f.outbox->count(OutboxState::Queued) + f.outbox->count(OutboxState::InFlight), 0);
    QCOMPARE(f.logged.size(), 2500);
    QCOMPARE(f.logged.constFirst().source, EventSource::Sent);
    QCOMPARE(f.logged.constFirst().httpStatus, 200);
    QVERIFY(f.logged.constFirst().accepted);
    QCOMPARE(f.logged.constFirst().target, f.server.url().toString());
    QCOMPARE(f.logged.constFirst().message, QStringLiteral("OK"));
    QVERIFY(!f.logged.constFirst().requestId.isEmpty());
    // Each record is its event as sent, with its columns, in its place in its request.
    for (qsizetype i = 0; i < f.logged.size(); i += 499) {
        const LogRecord& record = f.logged.at(i);
        const DecodedBatch sent = EventCodec::decodeEvent(record.rawJson);
        QCOMPARE(sent.events.size(), 1);
        const int seq = sent.events.constFirst().extra(u"seq").toInt();
        QCOMPARE(record.indexInRequest, seq % 1000);
        QCOMPARE(record.eventType, QStringLiteral("click"));
        QCOMPARE(record.eventName, QStringLiteral("Product Clicked"));
        QCOMPARE(record.index, QStringLiteral("products"));
        QCOMPARE(record.userToken, QStringLiteral("user-%1").arg(seq % 7));
        QCOMPARE(record.timestampMs, sent.events.constFirst().timestamp.value_or(-1));
        QVERIFY(record.timestampMs > 0);
        QVERIFY(record.issues.isEmpty());
    }
}

void TestClientFaults::retriesServerErrorsAndDroppedConnections()
{
    ClientOptions options;
    options.concurrency = 1;
    options.limits.maxEvents = 100;
    Fixture f(options);
    f.server.script({FaultAction::respond(500, R"({"status":500,"message":"Internal Server Error"})"),
                     FaultAction::drop(), FaultAction::respond(503, "upstream unavailable"),
                     FaultAction::ok(), FaultAction::drop()});
    QVERIFY(f.sendAndWait(makeEvents(250)));
    const QHash<int, int> deliveries = f.deliveries();
    QCOMPARE(deliveries.size(), 250); // nothing lost
    // Requests: batch A x4 (500, drop, 503, ok), batch B x2 (drop, ok), batch C x1.
    QCOMPARE(f.server.requests().size(), 7);
    for (auto it = deliveries.begin(); it != deliveries.end(); ++it)
        QCOMPARE(it.value(), it.key() < 100 ? 4 : (it.key() < 200 ? 2 : 1)); // at-least-once, no more
    const SendStats stats = f.client->stats();
    QCOMPARE(stats.accepted, 250);
    QCOMPARE(stats.failed, 0);
    // 500 and 503 are retried by the client; a dropped connection may be resent once by Qt's HTTP layer
    // before the client sees an error. Either way each retry is counted at most once.
    QVERIFY2(stats.retried >= 200 && stats.retried <= 400, qPrintable(QString::number(stats.retried)));
    QCOMPARE(f.logged.size(), 250); // logged once, with the final verdict
}

void TestClientFaults::honoursRetryAfterOn429()
{
    Fixture f;
    f.server.script({FaultAction::respond(429, R"({"status":429,"message":"Too Many Requests"})",
                                          {{"Retry-After", "1"}})});
    QSignalSpy outcomes(f.client.get(), &InsightsClient::requestOutcome);
    QVERIFY(f.sendAndWait(makeEvents(10)));
    QCOMPARE(f.server.requests().size(), 2);
    const qint64 waited = f.server.requests().at(1).receivedAtMs - f.server.requests().at(0).receivedAtMs;
    QVERIFY2(waited >= 950, qPrintable(QString::number(waited)));
    const BatchOutcome first = outcomes.at(0).at(0).value<BatchOutcome>();
    QCOMPARE(first.kind, OutcomeKind::Retrying);
    QCOMPARE(first.retryInMs, 1000);
    QCOMPARE(f.client->stats().accepted, 10);
}

void TestClientFaults::honoursRateLimitReset()
{
    Fixture f;
    const qint64 resetSeconds = QDateTime::currentSecsSinceEpoch() + 2;
    f.server.script({FaultAction::respond(429, R"({"status":429,"message":"Too Many Requests"})",
                                          {{"x-ratelimit-reset", QByteArray::number(resetSeconds)}})});
    QVERIFY(f.sendAndWait(makeEvents(5)));
    QCOMPARE(f.server.requests().size(), 2);
    QVERIFY(f.server.requests().at(1).receivedAtMs >= (resetSeconds * 1000) - 50);
}

void TestClientFaults::slowAnswerTimesOutAndIsRetried()
{
    ClientOptions options;
    options.transferTimeoutMs = 300;
    Fixture f(options);
    f.server.script({FaultAction::slow(2000), FaultAction::hang()});
    QSignalSpy outcomes(f.client.get(), &InsightsClient::requestOutcome);
    QVERIFY(f.sendAndWait(makeEvents(3)));
    QCOMPARE(f.server.requests().size(), 3);
    QCOMPARE(outcomes.at(0).at(0).value<BatchOutcome>().result.status, SendStatus::Timeout);
    QCOMPARE(outcomes.at(1).at(0).value<BatchOutcome>().result.status, SendStatus::Timeout);
    QCOMPARE(f.client->stats().accepted, 3);
}

void TestClientFaults::retriesAreBoundedThenFailedWithReason()
{
    ClientOptions options;
    options.retry.maxAttempts = 4;
    Fixture f(options);
    f.server.setFallback(FaultAction::respond(502, "bad gateway"));
    QVERIFY(f.sendAndWait(makeEvents(20)));
    QCOMPARE(f.server.requests().size(), 4); // bounded
    const SendStats stats = f.client->stats();
    QCOMPARE(stats.failed, 20);
    QCOMPARE(stats.accepted, 0);
    QVERIFY(stats.firstFailure.contains(QStringLiteral("gave up after 4 attempts")));
    // Never dropped silently: the events wait in the outbox, marked failed, with the reason.
    QCOMPARE(f.outbox->count(OutboxState::Failed), 20);
    const QList<OutboxEntry> failed = f.outbox->entries(OutboxState::Failed);
    QVERIFY(failed.constFirst().lastError.contains(QStringLiteral("HTTP 502")));
    QCOMPARE(f.logged.size(), 20);
    QVERIFY(!f.logged.constFirst().accepted);
    QCOMPARE(f.logged.constFirst().httpStatus, 502);
    // And a later retry (the server is back) delivers them.
    f.server.setFallback(FaultAction::ok());
    QSignalSpy idle(f.client.get(), &InsightsClient::idle);
    QCOMPARE(f.client->retryFailed(), 20);
    QVERIFY(idle.wait(5000));
    QCOMPARE(f.client->stats().accepted, 20);
    QCOMPARE(f.outbox->count(OutboxState::Failed), 0);
}

void TestClientFaults::retriedBatchThatFailsAgainSaysSo()
{
    ClientOptions options;
    options.retry.maxAttempts = 1;
    Fixture f(options);
    f.server.setFallback(FaultAction::respond(503, "unavailable"));
    QSignalSpy outcomes(f.client.get(), &InsightsClient::requestOutcome);
    QVERIFY(f.sendAndWait(makeEvents(2)));
    const BatchOutcome first = outcomes.constLast().at(0).value<BatchOutcome>();
    QCOMPARE(first.kind, OutcomeKind::Failed);
    QCOMPARE(first.retries, 0);
    QVERIFY(first.failure.startsWith(QStringLiteral("gave up after 1 attempts; last: HTTP 503")));
    QCOMPARE(first.destination, f.client->destination());
    QCOMPARE(first.rows.size(), 1);

    // The batch, retried by the user, fails again: the outcome and the outbox listing both say so.
    QSignalSpy idle(f.client.get(), &InsightsClient::idle);
    QCOMPARE(f.client->retryBatches(first.rows), 2);
    QVERIFY(idle.wait(10000));
    const BatchOutcome again = outcomes.constLast().at(0).value<BatchOutcome>();
    QCOMPARE(again.kind, OutcomeKind::Failed);
    QCOMPARE(again.retries, 1);
    QSignalSpy listed(f.client.get(), &InsightsClient::outboxListed);
    f.client->listOutbox();
    QCOMPARE(listed.size(), 1);
    const OutboxSnapshot snapshot = listed.constFirst().at(0).value<OutboxSnapshot>();
    QCOMPARE(snapshot.failed, 2);
    QCOMPARE(snapshot.batches.size(), 1);
    QCOMPARE(snapshot.batches.constFirst().state, OutboxState::Failed);
    QCOMPARE(snapshot.batches.constFirst().retries, 1);
}

void TestClientFaults::discardingABatchInFlightStopsItsRequest()
{
    Fixture f;
    f.server.setFallback(FaultAction::hang());
    QSignalSpy changed(f.client.get(), &InsightsClient::outboxChanged);
    f.client->enqueue(makeEvents(3));
    QTRY_COMPARE_WITH_TIMEOUT(f.server.requests().size(), 1, 10000);
    QCOMPARE(f.outbox->count(OutboxState::InFlight), 3);
    QVERIFY(!changed.isEmpty());
    const QList<OutboxBatchInfo> batches = f.outbox->batches();
    QCOMPARE(batches.size(), 1);
    QCOMPARE(batches.constFirst().state, OutboxState::InFlight);
    QSignalSpy idle(f.client.get(), &InsightsClient::idle);
    QCOMPARE(f.client->discardBatches({batches.constFirst().row}), 3);
    QVERIFY(f.outbox->batches().isEmpty());
    QVERIFY(idle.wait(5000));
    QVERIFY(f.client->isIdle());
    QVERIFY(f.logged.isEmpty()); // discarded: never logged as sent
}

void TestClientFaults::clientErrorsAreNeverRetried_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("message");
    QTest::addRow("400") << 400
                         << QByteArray(
                                "Error: Bad Request. Your client has issued a malformed or illegal request.")
                         << "Error: Bad Request. Your client has issued a malformed or illegal request.";
    QTest::addRow("401") << 401 << QByteArray(R"({"status":401,"message":"Invalid credentials"})")
                         << "Invalid credentials";
    QTest::addRow("404") << 404 << QByteArray(R"({"status":404,"message":"Path not supported"})")
                         << "Path not supported";
    QTest::addRow("413") << 413 << QByteArray(R"({"status":413,"message":"Request Entity Too Large"})")
                         << "Request Entity Too Large";
    QTest::addRow("422") << 422 << QByteArray(R"({"status":422,"message":"No events to process"})")
                         << "No events to process";
}

void TestClientFaults::clientErrorsAreNeverRetried()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, message);
    Fixture f;
    f.server.setFallback(FaultAction::respond(status, body));
    QVERIFY(f.sendAndWait(makeEvents(30)));
    QCOMPARE(f.server.requests().size(), 1);
    const SendStats stats = f.client->stats();
    QCOMPARE(stats.rejected, 30);
    QCOMPARE(stats.retried, 0);
    QCOMPARE(stats.firstRejection, QStringLiteral("HTTP %1: %2").arg(status).arg(message));
    QCOMPARE(f.logged.size(), 30);
    QCOMPARE(f.logged.constFirst().httpStatus, status);
    QCOMPARE(f.logged.constFirst().message, message);
    QVERIFY(!f.logged.constFirst().accepted);
    // Rejected is final: the outbox lets them go (the log keeps them with the verdict).
    QCOMPARE(f.outbox->count(OutboxState::Queued) + f.outbox->count(OutboxState::Failed), 0);
}

void TestClientFaults::rejected422NamesTheCulprit()
{
    Fixture f;
    f.server.setFallback(FaultAction::respond(
        422,
        R"({"status":422,"message":"UserToken must contain only alphanumeric, equal, plus, slash, hyphen, or underscore characters, and be between 1 and 128 characters long"})"));
    QList<Event> events = makeEvents(5);
    events[3].userToken = QStringLiteral("someone@example.com");
    QSignalSpy outcomes(f.client.get(), &InsightsClient::requestOutcome);
    QVERIFY(f.sendAndWait(events));
    const BatchOutcome outcome = outcomes.at(0).at(0).value<BatchOutcome>();
    QCOMPARE(outcome.kind, OutcomeKind::Rejected);
    QCOMPARE(outcome.blame.size(), 1);
    QCOMPARE(outcome.blame.constFirst().eventIndex, 3);
    QCOMPARE(outcome.blame.constFirst().path(), QStringLiteral("events[3].userToken"));
    // Every event of the batch is 422; only the culprit carries the detailed error.
    QCOMPARE(f.logged.size(), 5);
    for (const LogRecord& record : f.logged) {
        QCOMPARE(record.httpStatus, 422);
        QCOMPARE(record.issues.isEmpty(), record.indexInRequest != 3);
    }
}

void TestClientFaults::timestampIsCollectionTimeNotSendTime()
{
    Fixture f;
    f.server.script({FaultAction::respond(503, "busy", {{"Retry-After", "1"}})});
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    QList<Event> events = makeEvents(3);
    events[1].timestamp = before - 60'000; // collected a minute ago: kept as is
    QVERIFY(f.sendAndWait(events));
    const qint64 after = f.server.requests().at(0).receivedAtMs;
    QCOMPARE(f.server.requests().size(), 2);
    // The retry a second later carries the same timestamps as the first attempt: the collection time.
    QCOMPARE(f.server.requests().at(0).body, f.server.requests().at(1).body);
    const DecodedBatch sent = EventCodec::decodeRequestBody(f.server.requests().at(1).body);
    QCOMPARE(sent.events.size(), 3);
    QVERIFY(*sent.events.at(0).timestamp >= before && *sent.events.at(0).timestamp <= after);
    QCOMPARE(*sent.events.at(1).timestamp, before - 60'000);
    QVERIFY(*sent.events.at(2).timestamp <= after);
}

void TestClientFaults::concurrencyIsBounded()
{
    ClientOptions options;
    options.concurrency = 3;
    options.limits.maxEvents = 10;
    Fixture f(options);
    int open = 0;
    int maxOpen = 0;
    // Every answer is slow, so requests pile up to the concurrency limit and no further.
    f.server.setHandler([&](const ReceivedRequest&) {
        maxOpen = qMax(maxOpen, ++open);
        QTimer::singleShot(150, &f.server, [&open] { --open; });
        return FaultAction::slow(150);
    });
    QVERIFY(f.sendAndWait(makeEvents(100)));
    QCOMPARE(f.server.requests().size(), 10);
    QCOMPARE(maxOpen, 3);
}

void TestClientFaults::embeddedEndpointLogsItself()
{
    Fixture f(ClientOptions{}, /*local=*/true);
    QVERIFY(f.sendAndWait(makeEvents(12)));
    QCOMPARE(f.server.requests().size(), 1);
    QCOMPARE(f.server.requests().constFirst().headers.value("x-insights-debugger-sent"), QByteArray("1"));
    QVERIFY(f.logged.isEmpty()); // the endpoint logs them as Sent: once, not twice
    QCOMPARE(f.client->stats().accepted, 12);

    // When the endpoint cannot be reached at all, nobody else will record the failure: the client does.
    ClientOptions options;
    options.retry.maxAttempts = 2;
    Fixture down(options, true);
    down.server.setFallback(FaultAction::drop());
    QVERIFY(down.sendAndWait(makeEvents(4)));
    QCOMPARE(down.logged.size(), 4);
    QCOMPARE(down.logged.constFirst().httpStatus, 0);
    QCOMPARE(down.logged.constFirst().target, QStringLiteral("local"));
}

void TestClientFaults::keyNeverInLogOrFiles()
{
    Fixture f;
    QTemporaryDir dir;
    const QString logPath = dir.filePath(QStringLiteral("events.sqlite"));
    EventLog::OpenResult opened = EventLog::open(EventLogOptions{logPath, 100000});
    QVERIFY2(opened.log, qPrintable(opened.error));
    EventLog* log = opened.log.get();
    f.client->setLogSink([log](std::shared_ptr<const RecordBatch> batch) { log->append(std::move(batch)); });
    f.server.script({FaultAction::respond(500, "oops"), FaultAction::ok(),
                     FaultAction::respond(422, R"({"status":422,"message":"EventName is required"})")});
    ClientOptions options = f.client->options();
    options.limits.maxEvents = 50;
    options.concurrency = 1;
    f.client->setOptions(options);
    QVERIFY(f.sendAndWait(makeEvents(100)));
    log->flush();
    QCOMPARE(log->count(), 100);
    for (const LogRecord& record : log->query(LogQuery{}))
        QVERIFY(!record.rawJson.contains(kApiKey.toUtf8()) && !record.message.contains(kApiKey));
    // The key was on the wire (that is where it belongs) ...
    QVERIFY(f.server.requests().constFirst().rawHead.contains(kApiKey.toUtf8()));
    opened.log.reset();
    // ... and in no file the app writes: the event log (with its WAL) and the outbox.
    const QStringList files{logPath, logPath + QStringLiteral("-wal"), f.outbox->path(),
                            f.outbox->path() + QStringLiteral("-wal")};
    for (const QString& path : files) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            continue;
        QVERIFY2(!file.readAll().contains(kApiKey.toUtf8()), qPrintable(path));
    }
}

void TestClientFaults::deleteUserToken()
{
    Fixture f;
    f.server.script({FaultAction::respond(204, QByteArray(), {{"x-ratelimit-remaining", "99"}}),
                     FaultAction::respond(422, R"({"status":422,"message":"Invalid userToken"})")});
    QSignalSpy deleted(f.client.get(), &InsightsClient::userTokenDeleted);
    f.client->deleteUserToken(QStringLiteral("test/user=1"));
    QVERIFY(deleted.wait(5000));
    UserTokenDeletion deletion = deleted.at(0).at(0).value<UserTokenDeletion>();
    QCOMPARE(f.server.requests().constFirst().method, QByteArray("DELETE"));
    QCOMPARE(f.server.requests().constFirst().target, QByteArray("/1/usertokens/test%2Fuser%3D1"));
    QCOMPARE(f.server.requests().constFirst().headers.value("x-algolia-api-key"), kApiKey.toUtf8());
    QCOMPARE(deletion.userToken, QStringLiteral("test/user=1"));
    QVERIFY(deletion.result.isSuccess());
    QCOMPARE(deletion.result.httpStatus, 204);

    f.client->deleteUserToken(QStringLiteral("bad token"));
    QVERIFY(deleted.wait(5000));
    deletion = deleted.at(1).at(0).value<UserTokenDeletion>();
    QCOMPARE(deletion.result.httpStatus, 422);
    QCOMPARE(deletion.result.message, QStringLiteral("Invalid userToken"));
    QCOMPARE(f.server.requests().size(), 2); // not retried
}

void TestClientFaults::profiles_data()
{
    QTest::addColumn<int>("advancedStatus");
    QTest::addColumn<QByteArray>("advancedBody");
    QTest::addColumn<int>("classicStatus");
    QTest::addColumn<QByteArray>("classicBody");
    QTest::addColumn<QString>("advancedMessage");
    QTest::addColumn<QString>("classicMessage");
    QFile advanced(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/client/profile-advanced.json"));
    QFile classic(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/client/profile-classic.json"));
    QVERIFY(advanced.open(QIODevice::ReadOnly) && classic.open(QIODevice::ReadOnly));
    QTest::addRow("found") << 200 << advanced.readAll() << 200 << classic.readAll() << ""
                           << "";
    QTest::addRow("401 / 404") << 401 << QByteArray(R"({"status":401,"message":"Unauthorized"})") << 404
                               << QByteArray(R"({"message":"User not found"})") << "Unauthorized"
                               << "User not found";
    QTest::addRow("422 / 402")
        << 422 << QByteArray(R"({"status":422,"message":"UserID must contain only alphanumeric characters"})")
        << 402 << QByteArray(R"({"message":"Personalization is not enabled"})")
        << "UserID must contain only alphanumeric characters"
        << "Personalization is not enabled";
}

void TestClientFaults::profiles()
{
    QFETCH(int, advancedStatus);
    QFETCH(QByteArray, advancedBody);
    QFETCH(int, classicStatus);
    QFETCH(QByteArray, classicBody);
    QFETCH(QString, advancedMessage);
    QFETCH(QString, classicMessage);
    ClientOptions options;
    Fixture f(options);
    ClientOptions withHosts = f.client->options();
    withHosts.hosts.advancedPersonalizationEu = f.server.url();
    withHosts.hosts.personalizationEu = f.server.url();
    f.client->setOptions(withHosts);
    f.server.setHandler([&](const ReceivedRequest& request) {
        return request.target.startsWith("/2/") ? FaultAction::respond(advancedStatus, advancedBody)
                                                : FaultAction::respond(classicStatus, classicBody);
    });
    QSignalSpy fetched(f.client.get(), &InsightsClient::profileFetched);
    f.client->fetchProfiles(QStringLiteral("user-42"), Region::Eu);
    QTRY_COMPARE_WITH_TIMEOUT(fetched.size(), 2, 5000);
    QSet<QByteArray> paths;
    for (const ReceivedRequest& request : f.server.requests()) {
        paths.insert(request.target);
        QCOMPARE(request.method, QByteArray("GET"));
    }
    QCOMPARE(paths, (QSet<QByteArray>{"/2/users/user-42", "/1/profiles/personalization/user-42"}));
    for (const QList<QVariant>& signal : fetched) {
        const ProfileLookup lookup = signal.at(0).value<ProfileLookup>();
        const bool isAdvanced = lookup.kind == ProfileKind::Advanced;
        QCOMPARE(lookup.result.httpStatus, isAdvanced ? advancedStatus : classicStatus);
        QCOMPARE(lookup.found(), (isAdvanced ? advancedStatus : classicStatus) == 200);
        if (!lookup.found())
            QCOMPARE(lookup.result.message, isAdvanced ? advancedMessage : classicMessage);
        else if (isAdvanced)
            QCOMPARE(lookup.advanced->userID, QStringLiteral("user-42"));
        else
            QCOMPARE(lookup.classic->scores.size(), 3);
    }
}

QTEST_GUILESS_MAIN(TestClientFaults)
#include "tst_clientfaults.moc"
