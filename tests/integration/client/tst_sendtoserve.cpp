// The client against the real embedded endpoint (`insights-debugger serve`): every event sent with
// `send --to local` is logged once, as Sent, with its verdict; a rejection comes back with the endpoint's
// message; a test user's events can be deleted through the client.

#include "client/insightsclient.h"

#include "event/eventcodec.h"
#include "log/eventlog.h"
#include "outbox/outbox.h"

#include <QDir>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {

QString exe()
{
    return qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE");
}

QByteArray ndjson(int count, int badAt = -1)
{
    QByteArray out;
    for (int i = 0; i < count; ++i) {
        Event event;
        event.eventType = QStringLiteral("click");
        event.eventName = QStringLiteral("Product Clicked");
        event.index = QStringLiteral("products");
        event.userToken = i == badAt ? QStringLiteral("bad token!") : QStringLiteral("user-%1").arg(i % 4);
        event.objectIDs = QStringList{QStringLiteral("obj-%1").arg(i)};
        event.setExtra(QStringLiteral("seq"), QByteArray::number(i));
        out += EventCodec::encodeEvent(event) + '\n';
    }
    return out;
}

// A `serve` process on a free port with its own data folder.
class Serve
{
public:
    explicit Serve(const QString& dataDir)
        : m_dataDir(dataDir)
    {
        m_process.start(exe(),
                        {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                         QStringLiteral("--data-dir"), dataDir, QStringLiteral("--quiet")});
    }
    ~Serve() { stop(); }

    // The base URL from the "listening on URL" line.
    QString waitForUrl()
    {
        QByteArray out;
        const bool ok = QTest::qWaitFor(
            [&] {
                out += m_process.readAllStandardOutput();
                return out.contains('\n') || m_process.state() == QProcess::NotRunning;
            },
            15000);
        const qsizetype at = out.indexOf("listening on ");
        if (!ok || at < 0)
            return {};
        return QString::fromUtf8(out.mid(at + 13, out.indexOf('\n', at) - at - 13)).trimmed();
    }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate(); // SIGTERM: serve commits the log and exits
        if (!m_process.waitForFinished(10000))
            m_process.kill();
        m_process.waitForFinished(2000);
    }
    QString logPath() const { return QDir(m_dataDir).filePath(QStringLiteral("events.sqlite")); }

private:
    QString m_dataDir;
    QProcess m_process;
};

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runSend(const QStringList& arguments, const QByteArray& input)
{
    QProcess process;
    process.start(exe(), QStringList{QStringLiteral("send")} + arguments);
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(45000))
        process.kill();
    return Run{process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
               process.readAllStandardOutput(), process.readAllStandardError()};
}

} // namespace

class TestSendToServe final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyEventLoggedOnceAsSent();
    void rejectionCarriesTheEndpointsMessage();
    void deleteUserTokenClearsTheTokensEvents();
};

void TestSendToServe::everyEventLoggedOnceAsSent()
{
    QTemporaryDir dir;
    Serve serve(dir.filePath(QStringLiteral("data")));
    const QString url = serve.waitForUrl();
    QVERIFY2(!url.isEmpty(), "serve did not print 'listening on URL'");
    const Run run = runSend({QStringLiteral("-"), QStringLiteral("--to"), QStringLiteral("local"),
                             QStringLiteral("--local-url"), url, QStringLiteral("--outbox"),
                             dir.filePath(QStringLiteral("outbox.sqlite"))},
                            ndjson(5000));
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(run.out.contains("accepted 5000, rejected 0, retried 0, failed 0"), run.out.constData());
    serve.stop();

    EventLog::OpenResult opened = EventLog::open(EventLogOptions{serve.logPath(), 1'000'000});
    QVERIFY2(opened.log, qPrintable(opened.error));
    QCOMPARE(opened.log->count(), 5000);
    LogQuery query;
    query.limit = 0;
    QSet<int> seqs;
    for (const LogRecord& record : opened.log->query(query)) {
        QCOMPARE(record.source, EventSource::Sent);
        QCOMPARE(record.target, QStringLiteral("local"));
        QCOMPARE(record.httpStatus, 200);
        QVERIFY(record.accepted);
        const DecodedBatch decoded = EventCodec::decodeEvent(record.rawJson);
        QCOMPARE(decoded.events.size(), 1);
        QVERIFY(decoded.events.constFirst().timestamp.has_value()); // stamped at collection
        seqs.insert(decoded.events.constFirst().extra(u"seq").toInt());
    }
    QCOMPARE(seqs.size(), 5000); // each event once
}

void TestSendToServe::rejectionCarriesTheEndpointsMessage()
{
    QTemporaryDir dir;
    Serve serve(dir.filePath(QStringLiteral("data")));
    const QString url = serve.waitForUrl();
    QVERIFY(!url.isEmpty());
    const Run run = runSend({QStringLiteral("-"), QStringLiteral("--to"), QStringLiteral("local"),
                             QStringLiteral("--local-url"), url, QStringLiteral("--outbox"),
                             dir.filePath(QStringLiteral("outbox.sqlite"))},
                            ndjson(10, 6));
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.out.contains(
                 "accepted 0, rejected 10 (first: HTTP 422: UserToken must contain only alphanumeric"),
             run.out.constData());
    QVERIFY2(run.err.contains("events[6].userToken"), run.err.constData());
}

void TestSendToServe::deleteUserTokenClearsTheTokensEvents()
{
    QTemporaryDir dir;
    Serve serve(dir.filePath(QStringLiteral("data")));
    const QString url = serve.waitForUrl();
    QVERIFY(!url.isEmpty());
    auto outbox = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite"))).outbox;
    QVERIFY(outbox);
    InsightsClient client(outbox.get());
    ClientOptions options;
    options.hosts.local = QUrl(url);
    client.setOptions(options);
    client.setTarget(*InsightsTarget::parse(QStringLiteral("local")));
    QSignalSpy idle(&client, &InsightsClient::idle);
    const DecodedInput input = EventCodec::decodeInput(ndjson(8));
    QCOMPARE(client.enqueue(input.batch.events), 8);
    QVERIFY(idle.wait(10000));
    QCOMPARE(client.stats().accepted, 8);

    QSignalSpy deleted(&client, &InsightsClient::userTokenDeleted);
    client.deleteUserToken(QStringLiteral("user-1"));
    QVERIFY(deleted.wait(10000));
    const UserTokenDeletion deletion = deleted.at(0).at(0).value<UserTokenDeletion>();
    QVERIFY2(deletion.result.isSuccess(), qPrintable(deletion.result.describe()));
    serve.stop();
    EventLog::OpenResult opened = EventLog::open(EventLogOptions{serve.logPath(), 1'000'000});
    QVERIFY(opened.log);
    QCOMPARE(opened.log->count(), 6); // user-1 had events 1 and 5
    LogQuery query;
    query.userToken = QStringLiteral("user-1");
    QVERIFY(opened.log->query(query).isEmpty());
}

QTEST_GUILESS_MAIN(TestSendToServe)
#include "tst_sendtoserve.moc"
