// `insights-debugger send` as a user runs it: exit statuses, the summary, progress, retries, the key kept
// out of every output, and the outbox surviving a send killed mid-request.

#include "faultserver.h"

#include "event/eventcodec.h"
#include "log/eventlog.h"
#include "outbox/outbox.h"
#include "views/eventexchange.h"

#include <QDateTime>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QByteArray kApiKey = QByteArrayLiteral("cli-k3y-0123456789-abcdef-SECRET");

QString exe()
{
    return qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE");
}

// NDJSON of `count` valid view events, each with its sequence number.
QByteArray ndjson(int count, int badAt = -1)
{
    QByteArray out;
    for (int i = 0; i < count; ++i) {
        Event event;
        event.eventType = QStringLiteral("view");
        event.eventName = QStringLiteral("Product Viewed");
        event.index = QStringLiteral("products");
        event.userToken = i == badAt ? QStringLiteral("bad token!") : QStringLiteral("user-%1").arg(i % 5);
        event.objectIDs = QStringList{QStringLiteral("obj-%1").arg(i)};
        event.setExtra(QStringLiteral("seq"), QByteArray::number(i));
        out += EventCodec::encodeEvent(event) + '\n';
    }
    return out;
}

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

const QTemporaryDir& dataHome()
{
    static QTemporaryDir dir;
    return dir;
}

class SendProcess
{
public:
    SendProcess(const QStringList& arguments, const QByteArray& stdinData = {},
                const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment())
    {
        // The default outbox and event log live in the data folder: keep them out of the user's.
        QProcessEnvironment isolated = environment;
        isolated.insert(QStringLiteral("XDG_DATA_HOME"), dataHome().path());
        m_process.setProcessEnvironment(isolated);
        m_process.start(exe(), QStringList{QStringLiteral("send")} + arguments);
        if (!stdinData.isEmpty())
            m_process.write(stdinData);
        m_process.closeWriteChannel();
    }
    QProcess& process() { return m_process; }
    // Waits with the event loop running, so that a FaultServer in this thread keeps answering.
    Run finish(int timeoutMs = 30000)
    {
        QSignalSpy finished(&m_process, &QProcess::finished);
        if (m_process.state() != QProcess::NotRunning && !finished.wait(timeoutMs)) {
            m_process.kill();
            m_process.waitForFinished(2000);
        }
        return Run{m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1,
                   m_process.readAllStandardOutput(), m_process.readAllStandardError()};
    }

private:
    QProcess m_process;
};

int eventsReceived(const FaultServer& server)
{
    int count = 0;
    for (const ReceivedRequest& request : server.requests())
        count += static_cast<int>(EventCodec::decodeRequestBody(request.body).events.size());
    return count;
}

} // namespace

class TestSendCommand final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void usageErrors_data();
    void usageErrors();
    void allAcceptedExitsZero();
    void sendsEventsAsWrittenAndStampsTheRest();
    void replaysAnExportWithoutItsSearches();
    void rejectedExitsOneWithFirstMessage();
    void retriesAndKeepsTheKeyOutOfOutput();
    void failedAfterBoundedRetriesStaysInOutbox();
    void killedMidSendResumesWithNothingLost();
    void killedWhileQueueingLeavesOnlyWholeBatches();
    void storedGzipBodiesGoPlainWhenGzipIsOff();
    void largeInputDecodesAsOneWhole();
    void progressForLargeInputs();

private:
    QTemporaryDir m_dir;
    QString m_input;
};

void TestSendCommand::initTestCase()
{
    QVERIFY2(QFile::exists(exe()), "INSIGHTS_DEBUGGER_EXE must name the built executable");
    m_input = m_dir.filePath(QStringLiteral("events.ndjson"));
    QFile file(m_input);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(ndjson(1500));
}

void TestSendCommand::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::addRow("no input") << QStringList{} << "missing FILE";
    QTest::addRow("bad target") << QStringList{QStringLiteral("x.json"), QStringLiteral("--to"),
                                               QStringLiteral("mars")}
                                << "--to takes local, us, de, global or an http(s) URL";
    QTest::addRow("batch size 0") << QStringList{QStringLiteral("x.json"), QStringLiteral("--batch-size"),
                                                 QStringLiteral("0")}
                                  << "--batch-size takes a number from 1 to 1000";
    QTest::addRow("batch size 1001") << QStringList{QStringLiteral("x.json"), QStringLiteral("--batch-size"),
                                                    QStringLiteral("1001")}
                                     << "--batch-size takes a number from 1 to 1000";
    QTest::addRow("algolia without app id")
        << QStringList{QStringLiteral("x.json"), QStringLiteral("--to"), QStringLiteral("us")}
        << "--to us needs --app-id";
    QTest::addRow("bad gzip") << QStringList{QStringLiteral("x.json"), QStringLiteral("--gzip"),
                                             QStringLiteral("maybe")}
                              << "--gzip takes auto, always or never";
    QTest::addRow("missing file") << QStringList{QStringLiteral("/nonexistent/events.json")} << "cannot read";
    QTest::addRow("unknown option") << QStringList{QStringLiteral("--frobnicate")} << "Unknown option";
}

void TestSendCommand::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("ALGOLIA_APP_ID"));
    SendProcess send(
        arguments + QStringList{QStringLiteral("--outbox"), m_dir.filePath(QStringLiteral("usage.sqlite"))},
        {}, environment);
    const Run run = send.finish();
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(QString::fromUtf8(run.err).contains(message), run.err.constData());
}

void TestSendCommand::allAcceptedExitsZero()
{
    FaultServer server;
    QVERIFY(server.listen());
    SendProcess send({m_input, QStringLiteral("--to"), server.url().toString(),
                      QStringLiteral("--batch-size"), QStringLiteral("500"), QStringLiteral("--outbox"),
                      m_dir.filePath(QStringLiteral("ok.sqlite"))});
    const Run run = send.finish();
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(server.requests().size(), 3);
    QCOMPARE(eventsReceived(server), 1500);
    QVERIFY2(run.out.contains(QByteArray("sent 1500 event(s) to " + server.url().toString().toUtf8() +
                                         " in 3 request(s)")),
             run.out.constData());
    QVERIFY2(run.out.contains("accepted 1500, rejected 0, retried 0, failed 0"), run.out.constData());

    // Standard input works the same way, to the embedded endpoint's address (--to local).
    FaultServer local;
    QVERIFY(local.listen());
    SendProcess piped({QStringLiteral("-"), QStringLiteral("--to"), QStringLiteral("local"),
                       QStringLiteral("--local-url"), local.url().toString(), QStringLiteral("--outbox"),
                       m_dir.filePath(QStringLiteral("stdin.sqlite"))},
                      ndjson(7));
    const Run pipedRun = piped.finish();
    QVERIFY2(pipedRun.exitCode == 0, pipedRun.err.constData());
    QCOMPARE(eventsReceived(local), 7);
    QCOMPARE(local.requests().constFirst().headers.value("x-insights-debugger-sent"), QByteArray("1"));
    // Bodies for the embedded endpoint go gzip-encoded (fewer bytes, fewer TCP writes).
    QCOMPARE(local.requests().constFirst().headers.value("content-encoding"), QByteArray("gzip"));
    QVERIFY(local.requests().constFirst().wireBytes < local.requests().constFirst().body.size());
}

void TestSendCommand::sendsEventsAsWrittenAndStampsTheRest()
{
    FaultServer server;
    QVERIFY(server.listen());
    const QString input = QStringLiteral(INSIGHTS_TEST_DATA_DIR "/client/mixed-timestamps.ndjson");
    QFile file(input);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    SendProcess send({input, QStringLiteral("--to"), server.url().toString(), QStringLiteral("--outbox"),
                      m_dir.filePath(QStringLiteral("mixed.sqlite"))});
    const Run run = send.finish();
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(server.requests().size(), 1);
    const QByteArray body = server.requests().constFirst().body;
    // An event with its own collection time goes out byte for byte (field order, unknown fields) ...
    QVERIFY2(body.startsWith(QByteArray("{\"events\":[" + lines.at(0) + ',')), body.constData());
    // ... one without gets the time it was queued, in order after it.
    const DecodedBatch sent = EventCodec::decodeRequestBody(body);
    QCOMPARE(sent.events.size(), 2);
    QCOMPARE(sent.events.at(0).timestamp.value_or(0), 1790000000000);
    QVERIFY(sent.events.at(1).timestamp.value_or(0) >= before);
    QCOMPARE(sent.events.at(1).userToken.value_or(QString()), QStringLiteral("u-2"));
}

// Replaying one of the debugger's own exports sends its events as they were received (without the export's
// "kind" tag) and leaves its searches out, saying so.
void TestSendCommand::replaysAnExportWithoutItsSearches()
{
    QByteArray exported;
    const QList<QByteArray> lines = ndjson(3).trimmed().split('\n');
    for (const QByteArray& line : lines) {
        LogRecord event;
        event.kind = RecordKind::Event;
        event.accepted = true;
        event.httpStatus = 200;
        event.rawJson = line;
        exported += EventExchange::exportLine(event) + '\n';
        if (line == lines.constFirst()) {
            LogRecord search;
            search.kind = RecordKind::Search;
            search.httpStatus = 200;
            search.rawJson = R"({"index":"products","query":"shoe"})";
            exported += EventExchange::exportLine(search) + '\n';
        }
    }
    QFile file(m_dir.filePath(QStringLiteral("export.ndjson")));
    QVERIFY(file.open(QIODevice::WriteOnly) && file.write(exported) == exported.size());
    file.close();

    FaultServer server;
    QVERIFY(server.listen());
    SendProcess send({file.fileName(), QStringLiteral("--to"), server.url().toString(),
                      QStringLiteral("--outbox"), m_dir.filePath(QStringLiteral("export.sqlite"))});
    const Run run = send.finish();
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(run.err.contains("1 search or refused-request record(s) of the export left out"),
             run.err.constData());
    QCOMPARE(server.requests().size(), 1);
    const QByteArray body = server.requests().constFirst().body;
    QVERIFY2(!body.contains("\"kind\""), body.constData());
    const DecodedBatch sent = EventCodec::decodeRequestBody(body);
    QCOMPARE(sent.events.size(), 3);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(sent.events.at(i).extra(QStringLiteral("seq")), QByteArray::number(i));
}

void TestSendCommand::rejectedExitsOneWithFirstMessage()
{
    FaultServer server;
    QVERIFY(server.listen());
    const QByteArray message = "UserToken must contain only alphanumeric, equal, plus, slash, hyphen, or "
                               "underscore characters, and be "
                               "between 1 and 128 characters long";
    server.setFallback(FaultAction::respond(422, "{\"status\":422,\"message\":\"" + message + "\"}"));
    SendProcess send({QStringLiteral("-"), QStringLiteral("--to"), server.url().toString(),
                      QStringLiteral("--outbox"), m_dir.filePath(QStringLiteral("rejected.sqlite"))},
                     ndjson(10, 4));
    const Run run = send.finish();
    QCOMPARE(run.exitCode, 1);
    QCOMPARE(server.requests().size(), 1); // never retried
    QVERIFY2(run.out.contains(QByteArray("accepted 0, rejected 10 (first: HTTP 422: " + message + ")")),
             run.out.constData());
    // The validator names the culprit the one message does not.
    QVERIFY2(run.err.contains("events[4].userToken"), run.err.constData());
}

void TestSendCommand::retriesAndKeepsTheKeyOutOfOutput()
{
    FaultServer server;
    QVERIFY(server.listen());
    server.script({FaultAction::respond(500, "{\"status\":500,\"message\":\"Internal Server Error\"}"),
                   FaultAction::respond(429, "{\"status\":429,\"message\":\"Too Many Requests\"}",
                                        {{"Retry-After", "0"}}),
                   FaultAction::respond(503, "unavailable")});
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("ALGOLIA_API_KEY"), QString::fromLatin1(kApiKey));
    const QString outboxPath = m_dir.filePath(QStringLiteral("retry.sqlite"));
    const QString dataDir = m_dir.filePath(QStringLiteral("retry-data"));
    SendProcess send({m_input, QStringLiteral("--to"), server.url().toString(), QStringLiteral("--app-id"),
                      QStringLiteral("APP1"), QStringLiteral("--retry-delay"), QStringLiteral("10"),
                      QStringLiteral("--concurrency"), QStringLiteral("1"), QStringLiteral("--outbox"),
                      outboxPath, QStringLiteral("--data-dir"), dataDir},
                     {}, environment);
    const Run run = send.finish();
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(server.requests().constFirst().headers.value("x-algolia-api-key"), kApiKey);
    QVERIFY2(run.out.contains("accepted 1500, rejected 0, retried 3000, failed 0"), run.out.constData());
    QVERIFY(run.err.contains("retrying 1000 event(s)"));
    QVERIFY(run.out.contains("API key from ALGOLIA_API_KEY (not shown)"));
    QVERIFY(!run.out.contains(kApiKey));
    QVERIFY(!run.err.contains(kApiKey));
    // Every event is in the event log once, as sent, with its verdict; the key is in none of the files.
    const QString logPath = dataDir + QStringLiteral("/events.sqlite");
    {
        EventLog::OpenResult log = EventLog::open(EventLogOptions{logPath, 1'000'000});
        QVERIFY2(log.log, qPrintable(log.error));
        QCOMPARE(log.log->count(), 1500);
        LogQuery query;
        query.limit = 3;
        for (const LogRecord& record : log.log->query(query)) {
            QCOMPARE(record.source, EventSource::Sent);
            QCOMPARE(record.httpStatus, 200);
            QCOMPARE(record.appId, QStringLiteral("APP1"));
        }
    }
    for (const QString& path : QStringList{outboxPath, outboxPath + QStringLiteral("-wal"), logPath,
                                           logPath + QStringLiteral("-wal")}) {
        QFile file(path);
        if (file.open(QIODevice::ReadOnly))
            QVERIFY2(!file.readAll().contains(kApiKey), qPrintable(path));
    }
}

void TestSendCommand::failedAfterBoundedRetriesStaysInOutbox()
{
    FaultServer server;
    QVERIFY(server.listen());
    server.setFallback(FaultAction::respond(503, "unavailable"));
    const QString outboxPath = m_dir.filePath(QStringLiteral("failed.sqlite"));
    SendProcess send({QStringLiteral("-"), QStringLiteral("--to"), server.url().toString(),
                      QStringLiteral("--max-attempts"), QStringLiteral("3"), QStringLiteral("--retry-delay"),
                      QStringLiteral("10"), QStringLiteral("--outbox"), outboxPath},
                     ndjson(20));
    const Run run = send.finish();
    QCOMPARE(run.exitCode, 1);
    QCOMPARE(server.requests().size(), 3);
    QVERIFY2(run.out.contains("failed 20"), run.out.constData());
    QVERIFY(run.out.contains("gave up after 3 attempts"));
    auto opened = Outbox::open(outboxPath);
    QVERIFY(opened.outbox);
    QCOMPARE(opened.outbox->count(OutboxState::Failed), 20);
    opened.outbox.reset();

    // --resume gives them another chance once the server is back.
    server.setFallback(FaultAction::ok());
    SendProcess resume({QStringLiteral("--resume"), QStringLiteral("--to"), server.url().toString(),
                        QStringLiteral("--outbox"), outboxPath});
    const Run resumed = resume.finish();
    QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
    QVERIFY2(resumed.out.contains("accepted 20"), resumed.out.constData());
}

void TestSendCommand::killedMidSendResumesWithNothingLost()
{
    FaultServer server;
    QVERIFY(server.listen());
    server.setFallback(FaultAction::hang()); // the first requests never get an answer
    const QString outboxPath = m_dir.filePath(QStringLiteral("killed.sqlite"));
    SendProcess send(
        {m_input, QStringLiteral("--to"), server.url().toString(), QStringLiteral("--outbox"), outboxPath});
    QSignalSpy received(&server, &FaultServer::requestReceived);
    QVERIFY(received.wait(15000));
    send.process().kill(); // SIGKILL: no cleanup runs
    const Run killed = send.finish();
    QCOMPARE(killed.exitCode, -1);
    {
        auto opened = Outbox::open(outboxPath);
        QVERIFY2(opened.outbox, qPrintable(opened.error));
        // Everything is still there (the requests in flight went back to the queue on open).
        QCOMPARE(opened.outbox->count(OutboxState::Queued), 1500);
    }
    server.setFallback(FaultAction::ok());
    const int before = static_cast<int>(server.requests().size());
    SendProcess resume({QStringLiteral("--resume"), QStringLiteral("--to"), server.url().toString(),
                        QStringLiteral("--outbox"), outboxPath});
    const Run resumed = resume.finish();
    QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
    QVERIFY(resumed.err.contains("resuming 1500 event(s)"));
    int delivered = 0;
    QSet<int> seqs;
    for (qsizetype i = before; i < server.requests().size(); ++i) {
        for (const Event& event : EventCodec::decodeRequestBody(server.requests().at(i).body).events) {
            ++delivered;
            seqs.insert(event.extra(u"seq").toInt());
        }
    }
    QCOMPARE(delivered, 1500);
    QCOMPARE(seqs.size(), 1500);
}

void TestSendCommand::killedWhileQueueingLeavesOnlyWholeBatches()
{
    // A large input is queued in chunks while the first requests go out. Killed at that moment, the
    // outbox holds whole batches of the input's first events (never a partly written batch), and
    // --resume sends each of them once, in request bodies that decode completely.
    constexpr int kEvents = 30000;
    QTemporaryDir dir;
    const QString input = dir.filePath(QStringLiteral("big.ndjson"));
    {
        QFile file(input);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(ndjson(kEvents));
    }
    FaultServer server;
    QVERIFY(server.listen());
    server.setFallback(FaultAction::hang());
    const QString outboxPath = dir.filePath(QStringLiteral("queueing.sqlite"));
    SendProcess send(
        {input, QStringLiteral("--to"), server.url().toString(), QStringLiteral("--outbox"), outboxPath});
    QSignalSpy received(&server, &FaultServer::requestReceived);
    QVERIFY(received.wait(15000));
    send.process().kill();
    QCOMPARE(send.finish().exitCode, -1);
    qint64 queued = 0;
    {
        auto opened = Outbox::open(outboxPath);
        QVERIFY2(opened.outbox, qPrintable(opened.error));
        queued = opened.outbox->count(OutboxState::Queued);
    }
    qInfo("queued when killed: %lld of %d", static_cast<long long>(queued), kEvents);
    QVERIFY2(queued > 0 && queued <= kEvents && queued % 1000 == 0, qPrintable(QString::number(queued)));

    server.setFallback(FaultAction::ok());
    const qsizetype before = server.requests().size();
    SendProcess resume({QStringLiteral("--resume"), QStringLiteral("--to"), server.url().toString(),
                        QStringLiteral("--outbox"), outboxPath});
    const Run resumed = resume.finish();
    QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
    QSet<int> seqs;
    int delivered = 0;
    for (qsizetype i = before; i < server.requests().size(); ++i) {
        const DecodedBatch batch = EventCodec::decodeRequestBody(server.requests().at(i).body);
        QVERIFY(!batch.payloadError);
        QVERIFY(batch.events.size() <= 1000);
        for (const Event& event : batch.events) {
            ++delivered;
            seqs.insert(event.extra(u"seq").toInt());
        }
    }
    QCOMPARE(delivered, queued);
    QCOMPARE(seqs.size(), queued);
    // The first `queued` events of the input, each once.
    for (int seq = 0; seq < queued; ++seq)
        QVERIFY2(seqs.contains(seq), qPrintable(QString::number(seq)));
}

void TestSendCommand::storedGzipBodiesGoPlainWhenGzipIsOff()
{
    // Queued for the embedded endpoint (bodies stored gzip-encoded), never delivered (closed port)...
    const QString outboxPath = m_dir.filePath(QStringLiteral("gzip-off.sqlite"));
    SendProcess fill({m_input, QStringLiteral("--to"), QStringLiteral("local"), QStringLiteral("--local-url"),
                      QStringLiteral("http://127.0.0.1:9"), QStringLiteral("--max-attempts"),
                      QStringLiteral("1"), QStringLiteral("--outbox"), outboxPath});
    QCOMPARE(fill.finish().exitCode, 1);
    // ... then resumed with --gzip never: plain bodies, every event once.
    FaultServer local;
    QVERIFY(local.listen());
    SendProcess resume({QStringLiteral("--resume"), QStringLiteral("--to"), QStringLiteral("local"),
                        QStringLiteral("--local-url"), local.url().toString(), QStringLiteral("--gzip"),
                        QStringLiteral("never"), QStringLiteral("--outbox"), outboxPath});
    const Run run = resume.finish();
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(eventsReceived(local), 1500);
    for (const ReceivedRequest& request : local.requests()) {
        QVERIFY(!request.headers.contains("content-encoding"));
        QCOMPARE(request.wireBytes, request.body.size());
    }
}

void TestSendCommand::largeInputDecodesAsOneWhole()
{
    // Over 1 MB, NDJSON is decoded in two halves on two threads: the result must be the codec's on the
    // whole input — a wrongly typed field in the second half still goes out verbatim, an event without a
    // timestamp there is stamped, and a bad line is reported with its line number, nothing sent.
    constexpr int kEvents = 12000;
    QList<QByteArray> lines = ndjson(kEvents).trimmed().split('\n');
    const QByteArray typed =
        QByteArray(lines.at(9000)).replace("\"seq\":9000", "\"seq\":9000,\"timestamp\":\"yesterday\"");
    lines[9000] = typed;
    QVERIFY(!lines.at(10000).contains("timestamp"));
    QTemporaryDir dir;
    const QString input = dir.filePath(QStringLiteral("large.ndjson"));
    {
        QFile file(input);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(lines.join('\n') + '\n');
        QVERIFY(file.flush() && file.size() > (1 << 20));
    }
    FaultServer server;
    QVERIFY(server.listen());
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    SendProcess send({input, QStringLiteral("--to"), server.url().toString(), QStringLiteral("--outbox"),
                      dir.filePath(QStringLiteral("large.sqlite"))});
    const Run run = send.finish();
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(eventsReceived(server), kEvents);
    bool typedVerbatim = false;
    qint64 stampedAt = 0;
    for (const ReceivedRequest& request : server.requests()) {
        typedVerbatim = typedVerbatim || request.body.contains(typed);
        for (const Event& event : EventCodec::decodeRequestBody(request.body).events) {
            if (event.extra(u"seq").toInt() == 10000)
                stampedAt = event.timestamp.value_or(0);
        }
    }
    QVERIFY(typedVerbatim);
    QVERIFY(stampedAt >= before);

    lines[11000] = QByteArrayLiteral("not json");
    const QString broken = dir.filePath(QStringLiteral("broken.ndjson"));
    {
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(lines.join('\n') + '\n');
    }
    const qsizetype requestsBefore = server.requests().size();
    SendProcess bad({broken, QStringLiteral("--to"), server.url().toString(), QStringLiteral("--outbox"),
                     dir.filePath(QStringLiteral("broken.sqlite"))});
    const Run badRun = bad.finish();
    QCOMPARE(badRun.exitCode, 2);
    QVERIFY2(badRun.err.contains("line 11001 is not a JSON event object"), badRun.err.constData());
    QCOMPARE(server.requests().size(), requestsBefore);
}

void TestSendCommand::progressForLargeInputs()
{
    FaultServer server;
    QVERIFY(server.listen());
    server.setFallback(FaultAction::slow(120));
    QTemporaryDir dir;
    const QString input = dir.filePath(QStringLiteral("big.ndjson"));
    QFile file(input);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(ndjson(12000));
    file.close();
    SendProcess send({input, QStringLiteral("--to"), server.url().toString(), QStringLiteral("--concurrency"),
                      QStringLiteral("1"), QStringLiteral("--outbox"),
                      dir.filePath(QStringLiteral("big.sqlite"))});
    const Run run = send.finish();
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(run.err.contains("progress: ") && run.err.contains("/12000 events"), run.err.constData());
    QCOMPARE(eventsReceived(server), 12000);
}

QTEST_GUILESS_MAIN(TestSendCommand)
#include "tst_sendcommand.moc"
