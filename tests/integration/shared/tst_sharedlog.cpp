// One data folder, several processes writing its event log at once, as people run them: the desktop app
// (here: this process's EventLog and EventTableModel), two `serve` and two `send` (to URLs, so that they log
// what they send). Every acknowledged event is in the log exactly once, no request gets a 500, each `send`
// logs all of its events and says so, and the table in this process shows rows the other processes wrote.

#include "log/eventlog.h"
#include "views/eventtablemodel.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

constexpr int kSentPerSend = 3000;
constexpr int kPushes = 120; // requests this test sends to the two serves directly, while the sends run
constexpr int kEventsPerPush = 10;
constexpr int kTimeoutMs = 120'000; // generous: the machine is shared and loaded

QString exe()
{
    return qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE");
}

// A `serve` process on a free port, writing into `dataDir`.
class Serve
{
public:
    explicit Serve(const QString& dataDir)
    {
        m_process.start(exe(),
                        {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                         QStringLiteral("--data-dir"), dataDir, QStringLiteral("--quiet")});
    }
    ~Serve() { stop(); }
    QString waitForUrl()
    {
        const bool ok = QTest::qWaitFor(
            [this] {
                m_out += m_process.readAllStandardOutput();
                return m_out.contains('\n') || m_process.state() == QProcess::NotRunning;
            },
            kTimeoutMs);
        const qsizetype at = m_out.indexOf("listening on ");
        if (!ok || at < 0)
            return {};
        return QString::fromUtf8(m_out.mid(at + 13, m_out.indexOf('\n', at) - at - 13)).trimmed();
    }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate(); // SIGTERM: serve answers what it has, commits and exits
        if (!m_process.waitForFinished(30000))
            m_process.kill();
        m_process.waitForFinished(5000);
    }
    QByteArray errors() { return m_process.readAllStandardError(); }

private:
    QProcess m_process;
    QByteArray m_out;
};

QByteArray eventJson(const QString& userToken, const QString& objectId)
{
    QJsonObject event{{QStringLiteral("eventType"), QStringLiteral("view")},
                      {QStringLiteral("eventName"), QStringLiteral("Product Viewed")},
                      {QStringLiteral("index"), QStringLiteral("products")},
                      {QStringLiteral("userToken"), userToken},
                      {QStringLiteral("objectIDs"), QJsonArray{objectId}}};
    return QJsonDocument(event).toJson(QJsonDocument::Compact);
}

// The objectID of a logged event (each one names one, unique within its producer).
QString objectIdOf(const LogRecord& record)
{
    return QJsonDocument::fromJson(record.rawJson)
        .object()
        .value(QStringLiteral("objectIDs"))
        .toArray()
        .at(0)
        .toString();
}

} // namespace

class TestSharedLog final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(!exe().isEmpty(), "INSIGHTS_DEBUGGER_EXE is not set"); }
    void everyProcessWritesOneLog();
};

void TestSharedLog::everyProcessWritesOneLog()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString data = dir.filePath(QStringLiteral("data"));
    QVERIFY(QDir().mkpath(data));

    // The desktop's part: the log and the live table, open before the others start.
    EventLog::OpenResult opened =
        EventLog::open(EventLogOptions{QDir(data).filePath(QStringLiteral("events.sqlite"))});
    QVERIFY2(opened.log, qPrintable(opened.error));
    EventLog& log = *opened.log;
    EventTableModel table(&log);

    Serve first(data);
    Serve second(data);
    const QString firstUrl = first.waitForUrl();
    const QString secondUrl = second.waitForUrl();
    QVERIFY2(!firstUrl.isEmpty(), first.errors().constData());
    QVERIFY2(!secondUrl.isEmpty(), second.errors().constData());

    // Two sends, each to one of the serves by URL (so each logs what it sends, as "sent", and the serve
    // logs what it receives), each with its own outbox.
    QList<std::shared_ptr<QProcess>> sends;
    for (int s = 0; s < 2; ++s) {
        QByteArray input;
        for (int i = 0; i < kSentPerSend; ++i)
            input +=
                eventJson(QStringLiteral("send-%1").arg(s), QStringLiteral("s%1-%2").arg(s).arg(i)) + '\n';
        const QString file = dir.filePath(QStringLiteral("send-%1.ndjson").arg(s));
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(input);
        out.close();
        auto send = std::make_shared<QProcess>();
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("ALGOLIA_API_KEY"), QStringLiteral("shared-log-key"));
        send->setProcessEnvironment(environment);
        send->start(exe(), {QStringLiteral("send"), file, QStringLiteral("--to"),
                            (s == 0 ? firstUrl : secondUrl) + QStringLiteral("/"), QStringLiteral("--app-id"),
                            QStringLiteral("SHAREDAPP"), QStringLiteral("--batch-size"), QStringLiteral("50"),
                            QStringLiteral("--data-dir"), data, QStringLiteral("--outbox"),
                            dir.filePath(QStringLiteral("outbox-%1.sqlite").arg(s))});
        sends.append(send);
    }

    // Meanwhile, requests straight to both serves, several in flight at once.
    QNetworkAccessManager manager;
    QHash<int, int> statusOfPush;
    for (int p = 0; p < kPushes; ++p) {
        QByteArray body = "{\"events\":[";
        for (int e = 0; e < kEventsPerPush; ++e)
            body +=
                (e ? "," : "") + eventJson(QStringLiteral("push"), QStringLiteral("p%1-%2").arg(p).arg(e));
        body += "]}";
        QNetworkRequest request(QUrl((p % 2 ? secondUrl : firstUrl) + QStringLiteral("/1/events")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        request.setRawHeader("x-algolia-application-id", "SHAREDAPP");
        request.setRawHeader("x-algolia-api-key", "shared-log-key");
        request.setTransferTimeout(kTimeoutMs);
        QNetworkReply* reply = manager.post(request, body);
        connect(reply, &QNetworkReply::finished, this, [reply, p, &statusOfPush] {
            statusOfPush.insert(p, reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
            reply->deleteLater();
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(statusOfPush.size(), kPushes, kTimeoutMs);
    for (const auto& send : sends)
        QTRY_COMPARE_WITH_TIMEOUT(send->state(), QProcess::NotRunning, kTimeoutMs);

    for (auto it = statusOfPush.cbegin(); it != statusOfPush.cend(); ++it)
        QVERIFY2(it.value() == 200,
                 qPrintable(QStringLiteral("push %1 got %2").arg(it.key()).arg(it.value())));
    for (int s = 0; s < 2; ++s) {
        const QByteArray out = sends[s]->readAllStandardOutput();
        const QByteArray err = sends[s]->readAllStandardError();
        QVERIFY2(sends[s]->exitStatus() == QProcess::NormalExit && sends[s]->exitCode() == 0,
                 QByteArray(out + err).constData());
        QVERIFY2(out.contains(
                     QByteArray(QByteArray("accepted ") + QByteArray::number(kSentPerSend) + ", rejected 0")),
                 out.constData());
        QVERIFY2(
            out.contains(QByteArray(QByteArray("logged ") + QByteArray::number(kSentPerSend) + " as sent")),
            QByteArray(out + err).constData());
    }

    const qint64 total = 2 * 2 * kSentPerSend + kPushes * kEventsPerPush; // sent + received, and the pushes
    // This process wrote nothing: it learnt the others' rows from the file, and so did its table.
    QTRY_COMPARE_WITH_TIMEOUT(log.count(), total, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(table.rowCount(), int(total), kTimeoutMs);
    first.stop();
    second.stop();

    // Exactly once each: every acknowledged push event, every sent event as sent and as received.
    LogQuery everything;
    everything.limit = 0;
    QHash<QString, int> seen; // "<source>/<objectID>" -> times logged
    qint64 previousId = 0;
    for (const LogRecord& record : log.query(everything)) {
        QVERIFY(record.id > previousId);
        previousId = record.id;
        seen[eventSourceName(record.source) + QLatin1Char('/') + objectIdOf(record)] += 1;
    }
    QCOMPARE(seen.size(), int(total));
    for (auto it = seen.cbegin(); it != seen.cend(); ++it)
        QVERIFY2(it.value() == 1, qPrintable(it.key()));
    for (int p = 0; p < kPushes; ++p) {
        for (int e = 0; e < kEventsPerPush; ++e)
            QVERIFY(seen.contains(QStringLiteral("endpoint/p%1-%2").arg(p).arg(e)));
    }
    for (int s = 0; s < 2; ++s) {
        for (int i = 0; i < kSentPerSend; ++i) {
            const QString id = QStringLiteral("s%1-%2").arg(s).arg(i);
            QVERIFY2(seen.contains(QStringLiteral("sent/") + id), qPrintable(id));
            QVERIFY2(seen.contains(QStringLiteral("endpoint/") + id), qPrintable(id));
        }
    }
}

QTEST_GUILESS_MAIN(TestSharedLog)
#include "tst_sharedlog.moc"
