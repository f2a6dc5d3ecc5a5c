// The event log on real SQLite files: commit order and ids, filters, retention, deletion, reopening and
// migrations, concurrency, broken files, and durability when the writing process is killed.
#include "log/eventlog.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace {

LogRecord makeRecord(const QString& userToken, const QString& eventType = QStringLiteral("click"),
                     int httpStatus = 200)
{
    LogRecord r;
    r.requestId = QStringLiteral("req-") + userToken;
    r.receivedAtMs = 1'700'000'000'000;
    r.httpStatus = httpStatus;
    r.accepted = httpStatus == 200;
    r.message = httpStatus == 200 ? QStringLiteral("OK") : QStringLiteral("Invalid event");
    r.eventType = eventType;
    r.eventName = QStringLiteral("Product ") + eventType;
    r.index = QStringLiteral("products");
    r.userToken = userToken;
    r.rawJson = "{\"eventType\":\"" + eventType.toUtf8() + "\",\"userToken\":\"" + userToken.toUtf8() + "\"}";
    return r;
}

// Runs SQL on a file directly, outside the log (fixtures, checks of what is on disk).
bool execSql(const QString& path, const QByteArray& sql, qint64* firstValue = nullptr)
{
    sqlite3* db = nullptr;
    if (sqlite3_open(QFile::encodeName(path).constData(), &db) != SQLITE_OK) {
        sqlite3_close(db);
        return false;
    }
    auto callback = [](void* out, int columns, char** values, char**) {
        if (out && columns > 0 && values[0])
            *static_cast<qint64*>(out) = QByteArray(values[0]).toLongLong();
        return 0;
    };
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.constData(), callback, firstValue, &error);
    if (rc != SQLITE_OK)
        qWarning("%s", error);
    sqlite3_free(error);
    sqlite3_close(db);
    return rc == SQLITE_OK;
}

// Open file descriptors of this process on the log's files (database, -wal, -shm).
int openFilesUnder(const QString& path)
{
    int count = 0;
    const QDir fds(QStringLiteral("/proc/self/fd"));
    for (const QString& fd : fds.entryList(QDir::Files | QDir::System)) {
        if (QFileInfo(fds.filePath(fd)).symLinkTarget().startsWith(path))
            ++count;
    }
    return count;
}

// The schema version a file has once this version of the log opened it.
constexpr qint64 kCurrentSchema = 5;

} // namespace

Q_DECLARE_METATYPE(LogQuery)
Q_DECLARE_METATYPE(IssueList)

class TestEventLog final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_files = 0;

    QString newPath() { return m_dir.filePath(QStringLiteral("events-%1.sqlite").arg(++m_files)); }
    std::unique_ptr<EventLog> openLog(const QString& path, qint64 retention = 1'000'000)
    {
        EventLogOptions options;
        options.path = path;
        options.retention = retention;
        EventLog::OpenResult result = EventLog::open(options);
        if (!result.log)
            qWarning("open failed: %s", qPrintable(result.error));
        return std::move(result.log);
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void appendCommitsThenCallsBackInOrder()
    {
        auto log = openLog(newPath());
        QVERIFY(log);
        std::mutex mutex;
        QList<std::tuple<bool, qint64, qint64, qint64>>
            calls; // ok, first, last, count() seen in the callback
        std::atomic<bool> onOtherThread{true};
        const auto mainThread = std::this_thread::get_id();
        for (int size : {3, 2, 4}) {
            QList<LogRecord> records;
            for (int i = 0; i < size; ++i)
                records.append(makeRecord(QStringLiteral("u%1").arg(i)));
            log->append(records, [&, raw = log.get()](bool ok, qint64 first, qint64 last, const QString&) {
                if (std::this_thread::get_id() == mainThread)
                    onOtherThread = false;
                std::lock_guard lock(mutex);
                // A callback runs after the commit: the records are already visible to readers.
                calls.append({ok, first, last, raw->count()});
            });
        }
        log->flush();
        QCOMPARE(calls.size(), 3);
        for (const auto& call : calls)
            QVERIFY(std::get<0>(call));
        QCOMPARE(std::get<1>(calls.at(0)), qint64(1));
        QCOMPARE(std::get<2>(calls.at(0)), qint64(3));
        QCOMPARE(std::get<1>(calls.at(1)), qint64(4));
        QCOMPARE(std::get<2>(calls.at(1)), qint64(5));
        QCOMPARE(std::get<1>(calls.at(2)), qint64(6));
        QCOMPARE(std::get<2>(calls.at(2)), qint64(9));
        for (const auto& call : calls)
            QVERIFY(std::get<3>(call) >= std::get<2>(call));
        QVERIFY(onOtherThread);
        QCOMPARE(log->count(), qint64(9));
        QCOMPARE(log->lastId(), qint64(9));
        QCOMPARE(log->ids(LogQuery{}), (QList<qint64>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
    }

    void recordRoundTripsEveryField()
    {
        auto log = openLog(newPath());
        QVERIFY(log);
        LogRecord r = makeRecord(QStringLiteral("user-é"), QStringLiteral("conversion"), 422);
        r.source = EventSource::Sent;
        r.indexInRequest = 7;
        r.eventSubtype = QStringLiteral("purchase");
        r.authenticatedUserToken = QStringLiteral("auth-1");
        r.timestampMs = 1'699'999'999'123;
        r.userAgent = QStringLiteral("Mozilla/5.0 (iPhone)");
        r.device = QStringLiteral("mobile");
        r.agent = QStringLiteral("Algolia for JavaScript (5.0.0)");
        r.origin = QStringLiteral("https://shop.example");
        r.referer = QStringLiteral("https://shop.example/p/1");
        r.remoteAddress = QStringLiteral("192.168.1.20");
        r.appId = QStringLiteral("APPID");
        r.target = QStringLiteral("local");
        r.kind = RecordKind::Search;
        r.queryId = QStringLiteral("43b15df305339e827f0ac0bdc5ebcaa7");
        r.method = QStringLiteral("POST");
        r.path = QStringLiteral("/1/events");
        Issue error;
        error.severity = Severity::Error;
        error.eventIndex = 7;
        error.field = QStringLiteral("objectIDs[0]");
        error.code = QStringLiteral("objectID.tooLong");
        error.message = QStringLiteral("objectIDs must be at most 512 characters « long »");
        error.unverifiedMessage = true;
        Issue warning;
        warning.severity = Severity::Warning;
        warning.eventIndex = 7;
        warning.code = QStringLiteral("timestamp.future");
        warning.message = QStringLiteral("in the future");
        r.issues = {error, warning};
        log->append({r});
        log->flush();

        const QList<LogRecord> read = log->query(LogQuery{});
        QCOMPARE(read.size(), 1);
        const LogRecord& got = read.first();
        QCOMPARE(got.id, qint64(1));
        QCOMPARE(got.requestId, r.requestId);
        QCOMPARE(got.receivedAtMs, r.receivedAtMs);
        QCOMPARE(got.source, EventSource::Sent);
        QCOMPARE(got.httpStatus, 422);
        QCOMPARE(got.accepted, false);
        QCOMPARE(got.indexInRequest, 7);
        QCOMPARE(got.issues.size(), 2);
        QVERIFY(got.issues.at(0) == error);
        QVERIFY(got.issues.at(1) == warning);
        QCOMPARE(got.message, r.message);
        QCOMPARE(got.rawJson, r.rawJson);
        QCOMPARE(got.eventType, r.eventType);
        QCOMPARE(got.eventSubtype, r.eventSubtype);
        QCOMPARE(got.eventName, r.eventName);
        QCOMPARE(got.index, r.index);
        QCOMPARE(got.userToken, r.userToken);
        QCOMPARE(got.authenticatedUserToken, r.authenticatedUserToken);
        QCOMPARE(got.timestampMs, r.timestampMs);
        QCOMPARE(got.userAgent, r.userAgent);
        QCOMPARE(got.device, r.device);
        QCOMPARE(got.agent, r.agent);
        QCOMPARE(got.origin, r.origin);
        QCOMPARE(got.referer, r.referer);
        QCOMPARE(got.remoteAddress, r.remoteAddress);
        QCOMPARE(got.appId, r.appId);
        QCOMPARE(got.target, r.target);
        QCOMPARE(got.kind, RecordKind::Search);
        QCOMPARE(got.queryId, r.queryId);
        QCOMPARE(got.method, r.method);
        QCOMPARE(got.path, r.path);
        QVERIFY(!got.rawRequest);
        QCOMPARE(log->records({5, 1, 9}).size(), 1);
    }

    void recordsAppendedIsCoalesced()
    {
        auto log = openLog(newPath());
        QVERIFY(log);
        QSignalSpy spy(log.get(), &EventLog::recordsAppended);
        for (int i = 0; i < 20; ++i)
            log->append({makeRecord(QStringLiteral("u"))});
        QTRY_VERIFY(!spy.isEmpty() && spy.last().at(1).toLongLong() == 20);
        // Announcements cover every id once, in order, in fewer signals than appends.
        qint64 expectedFirst = 1;
        for (const QList<QVariant>& args : std::as_const(spy)) {
            QCOMPARE(args.at(0).toLongLong(), expectedFirst);
            expectedFirst = args.at(1).toLongLong() + 1;
        }
        QCOMPARE(expectedFirst, qint64(21));
        QVERIFY(spy.size() < 20);
    }

    void queryFilters_data()
    {
        QTest::addColumn<LogQuery>("query");
        QTest::addColumn<QList<qint64>>("expected");
        LogQuery q;
        QTest::addRow("everything") << q << QList<qint64>{1, 2, 3, 4, 5, 6};
        q = {};
        q.accepted = true;
        QTest::addRow("accepted") << q << QList<qint64>{1, 2, 4, 6};
        q = {};
        q.accepted = false;
        QTest::addRow("rejected") << q << QList<qint64>{3, 5};
        q = {};
        q.userToken = QStringLiteral("alice");
        QTest::addRow("userToken matches the authenticated one too") << q << QList<qint64>{1, 3, 6};
        q = {};
        q.eventType = QStringLiteral("view");
        QTest::addRow("eventType") << q << QList<qint64>{2, 4};
        q = {};
        q.eventName = QStringLiteral("Product view");
        QTest::addRow("eventName") << q << QList<qint64>{2, 4};
        q = {};
        q.index = QStringLiteral("articles");
        QTest::addRow("index") << q << QList<qint64>{4};
        q = {};
        q.source = EventSource::Sent;
        QTest::addRow("source") << q << QList<qint64>{6};
        q = {};
        q.sinceId = 2;
        q.limit = 2;
        QTest::addRow("since and limit, oldest first") << q << QList<qint64>{3, 4};
        q = {};
        q.beforeId = 5;
        q.newestFirst = true;
        q.limit = 2;
        QTest::addRow("before, newest first") << q << QList<qint64>{4, 3};
        q = {};
        q.httpStatus = 422;
        QTest::addRow("httpStatus") << q << QList<qint64>{3, 5};
        q = {};
        q.httpClass = 2;
        QTest::addRow("httpClass 2xx") << q << QList<qint64>{1, 2, 4, 6};
        q = {};
        q.hasErrors = true;
        QTest::addRow("the event itself has errors") << q << QList<qint64>{3};
        q = {};
        q.hasErrors = false;
        q.accepted = false;
        QTest::addRow("rejected only because of its batch") << q << QList<qint64>{5};
        q = {};
        q.hasWarnings = true;
        QTest::addRow("warnings") << q << QList<qint64>{6};
        q = {};
        q.eventSubtype = QStringLiteral("purchase");
        QTest::addRow("eventSubtype") << q << QList<qint64>{3};
        q = {};
        q.requestId = QStringLiteral("req-2");
        QTest::addRow("requestId") << q << QList<qint64>{3, 5};
        q = {};
        q.freeText = {QStringLiteral("DISCOUNT")};
        QTest::addRow("free text, case-insensitive") << q << QList<qint64>{4, 6};
        q = {};
        q.freeText = {QStringLiteral("discount"), QStringLiteral("50%")};
        QTest::addRow("free text, every word, %% taken literally") << q << QList<qint64>{6};
        q = {};
        q.freeText = {QStringLiteral("5_%")};
        QTest::addRow("free text, _ taken literally") << q << QList<qint64>{};
        q = {};
        q.userToken = QStringLiteral("alice");
        q.accepted = true;
        q.eventType = QStringLiteral("click");
        QTest::addRow("conditions combine") << q << QList<qint64>{1, 6};
        q = {};
        q.kind = RecordKind::Event;
        QTest::addRow("kind event") << q << QList<qint64>{1, 2, 3, 4, 6};
        q = {};
        q.kind = RecordKind::Request;
        QTest::addRow("kind request") << q << QList<qint64>{5};
        q = {};
        q.kind = RecordKind::Search;
        QTest::addRow("kind search") << q << QList<qint64>{};
        q = {};
        q.queryId = QStringLiteral("43b15df305339e827f0ac0bdc5ebcaa7");
        QTest::addRow("queryId") << q << QList<qint64>{2, 4};
    }

    void queryFilters()
    {
        QFETCH(LogQuery, query);
        QFETCH(QList<qint64>, expected);
        auto log = openLog(newPath());
        QVERIFY(log);
        Issue error;
        error.code = QStringLiteral("eventName.missing");
        Issue warning;
        warning.severity = Severity::Warning;
        warning.code = QStringLiteral("timestamp.old");

        LogRecord r1 = makeRecord(QStringLiteral("alice"));
        LogRecord r2 = makeRecord(QStringLiteral("bob"), QStringLiteral("view"));
        LogRecord r3 = makeRecord(QStringLiteral("carol"), QStringLiteral("conversion"), 422);
        r3.authenticatedUserToken = QStringLiteral("alice");
        r3.eventSubtype = QStringLiteral("purchase");
        r3.requestId = QStringLiteral("req-2");
        r3.issues = {error};
        LogRecord r4 = makeRecord(QStringLiteral("dave"), QStringLiteral("view"));
        r4.index = QStringLiteral("articles");
        r4.rawJson = QByteArrayLiteral("{\"eventName\":\"Discount viewed\"}");
        LogRecord r5 = makeRecord(QStringLiteral("erin"), QStringLiteral("click"), 422);
        r5.requestId = QStringLiteral("req-2");
        r5.kind = RecordKind::Request;
        r2.queryId = r4.queryId = QStringLiteral("43b15df305339e827f0ac0bdc5ebcaa7");
        LogRecord r6 = makeRecord(QStringLiteral("alice"));
        r6.source = EventSource::Sent;
        r6.issues = {warning};
        r6.rawJson = QByteArrayLiteral("{\"eventName\":\"discount 50% clicked\"}");
        log->append({r1, r2});
        log->append({r3, r4, r5});
        log->append({r6});
        log->flush();

        QCOMPARE(log->ids(query), expected);
        QList<qint64> viaQuery;
        for (const LogRecord& record : log->query(query))
            viaQuery.append(record.id);
        QCOMPARE(viaQuery, expected);
        LogQuery unlimited = query;
        unlimited.limit = 0;
        QCOMPARE(log->count(unlimited), qint64(log->ids(unlimited).size()));
    }

    void statsCountVerdictsTypesAndUsers()
    {
        auto log = openLog(newPath());
        QVERIFY(log);
        LogRecord authOnly = makeRecord(QString(), QStringLiteral("view"), 422);
        authOnly.authenticatedUserToken = QStringLiteral("auth-9");
        log->append({makeRecord(QStringLiteral("a")), makeRecord(QStringLiteral("a"), QStringLiteral("view")),
                     makeRecord(QStringLiteral("b"), QStringLiteral("click"), 422), authOnly});
        log->flush();
        const LogStats stats = log->stats();
        QCOMPARE(stats.total, qint64(4));
        QCOMPARE(stats.accepted, qint64(2));
        QCOMPARE(stats.rejected, qint64(2));
        QCOMPARE(stats.byEventType,
                 (QMap<QString, qint64>{{QStringLiteral("click"), 2}, {QStringLiteral("view"), 2}}));
        QCOMPARE(stats.byUserToken,
                 (QMap<QString, qint64>{
                     {QStringLiteral("a"), 2}, {QStringLiteral("b"), 1}, {QStringLiteral("auth-9"), 1}}));
    }

    void retentionDropsOldestFirst()
    {
        auto log = openLog(newPath(), 100);
        QVERIFY(log);
        QCOMPARE(log->retention(), qint64(100));
        for (int batch = 0; batch < 25; ++batch) {
            QList<LogRecord> records;
            for (int i = 0; i < 10; ++i)
                records.append(makeRecord(QStringLiteral("u%1").arg(batch)));
            log->append(records);
        }
        log->flush();
        // Trimming runs in batches: at most 1% more than the retention remains between trims.
        QVERIFY2(log->count() >= 100 && log->count() <= 101, qPrintable(QString::number(log->count())));
        LogQuery all;
        all.limit = 0;
        const QList<qint64> kept = log->ids(all);
        QCOMPARE(kept.last(), qint64(250));
        QCOMPARE(kept.first(), qint64(250 - kept.size() + 1));

        QSignalSpy removed(log.get(), &EventLog::recordsRemoved);
        log->setRetention(30);
        log->flush();
        QCOMPARE(log->retention(), qint64(30));
        QCOMPARE(log->count(), qint64(30));
        QCOMPARE(log->ids(all).first(), qint64(221));
        QVERIFY(removed.wait(5000));
        // New records still get new ids after trimming, and the oldest keep going.
        log->append({makeRecord(QStringLiteral("late"))});
        log->flush();
        QCOMPARE(log->lastId(), qint64(251));
        QCOMPARE(log->count(), qint64(30));
        QCOMPARE(log->ids(all).first(), qint64(222));
    }

    void retentionTrimsInStepsBetweenCommits()
    {
        // 60,000 kept: a slack of 600 rows, and steps of fewer rows than the excess once a small commit
        // crosses it, so the trim takes several steps with the writer free between them.
        constexpr qint64 kKeep = 60'000;
        const QString path = newPath();
        auto log = openLog(path, kKeep);
        QVERIFY(log);
        QList<LogRecord> many;
        many.reserve(kKeep + 600);
        for (qint64 i = 0; i < kKeep + 600; ++i)
            many.append(makeRecord(QStringLiteral("u%1").arg(i % 50)));
        log->append(std::move(many));
        log->flush();
        QCOMPARE(log->count(), kKeep + 600); // within the slack: nothing trimmed yet

        QSignalSpy removed(log.get(), &EventLog::recordsRemoved);
        std::atomic<bool> acknowledged{false};
        log->append({makeRecord(QStringLiteral("over"))},
                    [&](bool ok, qint64, qint64, const QString&) { acknowledged = ok; });
        log->flush();
        QVERIFY(acknowledged); // acknowledged at its commit, before the trim it started is done
        QTRY_COMPARE_WITH_TIMEOUT(log->count(), kKeep, 10000);
        LogQuery all;
        all.limit = 0;
        const QList<qint64> kept = log->ids(all);
        QCOMPARE(qint64(kept.size()), kKeep);
        QCOMPARE(kept.first(), qint64(602));
        QCOMPARE(kept.last(), kKeep + 601);
        // The shared counters stay exact through every step, and views hear of the trim.
        qint64 counted = -1;
        QVERIFY(execSql(path, "SELECT value FROM meta WHERE key = 'count'", &counted));
        QCOMPARE(counted, kKeep);
        QTRY_VERIFY_WITH_TIMEOUT(!removed.isEmpty(), 5000);
        log->append({makeRecord(QStringLiteral("late"))});
        log->flush();
        QCOMPARE(log->lastId(), kKeep + 602);
    }

    void removeByUserTokenAndAll()
    {
        auto log = openLog(newPath());
        QVERIFY(log);
        LogRecord authenticated = makeRecord(QStringLiteral("anon-1"));
        authenticated.authenticatedUserToken = QStringLiteral("tester");
        log->append({makeRecord(QStringLiteral("tester")), makeRecord(QStringLiteral("other")), authenticated,
                     makeRecord(QStringLiteral("tester"), QStringLiteral("view"))});
        log->flush();

        QCOMPARE(log->remove(QStringLiteral("nobody")), qint64(0));
        QCOMPARE(log->remove(QStringLiteral("tester")), qint64(3));
        QCOMPARE(log->count(), qint64(1));
        LogQuery all;
        QCOMPARE(log->query(all).first().userToken, QStringLiteral("other"));
        QVERIFY(log->deletions().isEmpty()); // remove() is the automation API's clean-up, not a deletion

        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(log->removeUserToken(QStringLiteral("other")), qint64(1));
        const QList<QPair<QString, qint64>> deletions = log->deletions();
        QCOMPARE(deletions.size(), 1);
        QCOMPARE(deletions.first().first, QStringLiteral("other"));
        QVERIFY(deletions.first().second >= before);
        // A deletion of a token with no events is still recorded, as Algolia answers 204 regardless.
        QCOMPARE(log->removeUserToken(QStringLiteral("ghost")), qint64(0));
        QCOMPARE(log->deletions().size(), 2);

        log->append({makeRecord(QStringLiteral("x")), makeRecord(QStringLiteral("y"))});
        log->flush();
        QCOMPARE(log->remove(std::nullopt), qint64(2));
        QCOMPARE(log->count(), qint64(0));
        QVERIFY(log->ids(all).isEmpty());
        // Ids are never reused, so a view holding an old id cannot confuse it with a new record.
        log->append({makeRecord(QStringLiteral("z"))});
        log->flush();
        QCOMPARE(log->ids(all), QList<qint64>{7});
    }

    void reopenKeepsDataAndSchemaVersion()
    {
        const QString path = newPath();
        {
            auto log = openLog(path);
            QVERIFY(log);
            log->append({makeRecord(QStringLiteral("a")), makeRecord(QStringLiteral("b"))});
            log->removeUserToken(QStringLiteral("b"));
        } // destroyed: every append is committed before the writer stops
        qint64 version = -1;
        QVERIFY(execSql(path, "PRAGMA user_version", &version));
        QCOMPARE(version, qint64(kCurrentSchema));
        auto log = openLog(path);
        QVERIFY(log);
        QCOMPARE(log->count(), qint64(1));
        QCOMPARE(log->lastId(), qint64(2));
        QCOMPARE(log->query(LogQuery{}).first().userToken, QStringLiteral("a"));
        QCOMPARE(log->deletions().size(), 1);
        log->append({makeRecord(QStringLiteral("c"))});
        log->flush();
        QCOMPARE(log->ids(LogQuery{}), (QList<qint64>{1, 3}));
    }

    void migratesFromVersion1()
    {
        const QString path = newPath();
        QFile fixture(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/log/eventlog-v1.sql"));
        QVERIFY(fixture.open(QIODevice::ReadOnly));
        QVERIFY(execSql(path, fixture.readAll()));

        auto log = openLog(path);
        QVERIFY(log);
        qint64 version = -1;
        QVERIFY(execSql(path, "PRAGMA user_version", &version));
        QCOMPARE(version, qint64(kCurrentSchema));
        QCOMPARE(log->count(), qint64(3));
        const QList<LogRecord> records = log->query(LogQuery{});
        QCOMPARE(records.size(), 3);
        QCOMPARE(records.at(0).eventName, QStringLiteral("Product Clicked"));
        QCOMPARE(records.at(0).device, QStringLiteral("desktop"));
        QCOMPARE(records.at(2).httpStatus, 422);
        QCOMPARE(records.at(2).issues.size(), 1);
        QCOMPARE(records.at(2).issues.first().code, QStringLiteral("eventName.missing"));
        // The table version 2 added works.
        QCOMPARE(log->removeUserToken(QStringLiteral("user-1")), qint64(2));
        QCOMPARE(log->deletions().size(), 1);
        log->append({makeRecord(QStringLiteral("new"))});
        log->flush();
        QCOMPARE(log->lastId(), qint64(4));
    }

    void migratesFromVersion2()
    {
        const QString path = newPath();
        QFile fixture(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/log/eventlog-v2.sql"));
        QVERIFY(fixture.open(QIODevice::ReadOnly));
        QVERIFY(execSql(path, fixture.readAll()));

        auto log = openLog(path);
        QVERIFY(log);
        qint64 version = -1;
        QVERIFY(execSql(path, "PRAGMA user_version", &version));
        QCOMPARE(version, qint64(kCurrentSchema));
        QCOMPARE(log->count(), qint64(3));
        const QList<LogRecord> records = log->query(LogQuery{});
        QCOMPARE(records.size(), 3);
        QCOMPARE(records.at(0).eventName, QStringLiteral("Product Clicked"));
        QCOMPARE(records.at(0).agent, QStringLiteral("Algolia for JavaScript"));
        QCOMPARE(records.at(2).source, EventSource::Sent);
        QCOMPARE(records.at(2).target, QStringLiteral("us"));
        QCOMPARE(records.at(2).issues.first().code, QStringLiteral("eventName.missing"));
        for (const LogRecord& record : records) {
            QVERIFY(!record.algoliaStatus); // nothing attached yet
            QVERIFY(record.algoliaErrors.isEmpty());
        }
        QCOMPARE(log->deletions(),
                 (QList<QPair<QString, qint64>>{{QStringLiteral("user-9"), 1699999990000}}));

        // The table version 3 added works on the migrated events; ids continue after the saved high mark.
        QSignalSpy changed(log.get(), &EventLog::recordsChanged);
        log->attachAlgoliaVerdicts(
            {{QStringLiteral("req-b"), 0, 422, {QStringLiteral("eventName is missing")}}});
        QVERIFY(changed.wait(5000));
        QCOMPARE(changed.first().first().value<QList<qint64>>(), QList<qint64>{3});
        const QList<LogRecord> rejected = log->records({3});
        QCOMPARE(rejected.first().algoliaStatus, std::optional<int>(422));
        log->append({makeRecord(QStringLiteral("new"))});
        log->flush();
        QCOMPARE(log->lastId(), qint64(6));
    }

    void migratesFromVersion3()
    {
        const QString path = newPath();
        QFile fixture(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/log/eventlog-v3.sql"));
        QVERIFY(fixture.open(QIODevice::ReadOnly));
        QVERIFY(execSql(path, fixture.readAll()));

        auto log = openLog(path);
        QVERIFY(log);
        qint64 version = -1;
        QVERIFY(execSql(path, "PRAGMA user_version", &version));
        QCOMPARE(version, qint64(kCurrentSchema));
        QCOMPARE(log->count(), qint64(3));
        QCOMPARE(log->lastId(), qint64(5)); // the saved high-water mark, above the newest row
        const QList<LogRecord> records = log->query(LogQuery{});
        QCOMPARE(records.size(), 3);
        for (const LogRecord& record : records) {
            QCOMPARE(record.kind, RecordKind::Event); // what every older record was
            QVERIFY(record.queryId.isEmpty());
            QVERIFY(record.method.isEmpty());
        }
        QCOMPARE(records.at(2).algoliaStatus, std::optional<int>(422));
        QCOMPARE(records.at(2).algoliaErrors, QStringList{QStringLiteral("eventName is missing")});
        QVERIFY(!log->rawRequest(QStringLiteral("req-a")));
        LogQuery events;
        events.kind = RecordKind::Event;
        QCOMPARE(log->count(events), qint64(3));

        LogRecord fresh = makeRecord(QStringLiteral("new"));
        fresh.kind = RecordKind::Request;
        fresh.rawRequest = std::make_shared<RawRequest>(RawRequest{"GET", "/nope", "Host: x\r\n", {}, false});
        log->append({fresh});
        log->flush();
        QCOMPARE(log->lastId(), qint64(6));
        QCOMPARE(log->count(), qint64(4));
        QCOMPARE(log->rawRequest(fresh.requestId)->target, QByteArray("/nope"));
    }

    void migratesFromVersion4()
    {
        const QString path = newPath();
        QFile fixture(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/log/eventlog-v4.sql"));
        QVERIFY(fixture.open(QIODevice::ReadOnly));
        QVERIFY(execSql(path, fixture.readAll()));

        auto log = openLog(path);
        QVERIFY(log);
        qint64 version = -1;
        QVERIFY(execSql(path, "PRAGMA user_version", &version));
        QCOMPARE(version, qint64(kCurrentSchema));
        qint64 payloadTables = -1;
        QVERIFY(execSql(path, "SELECT count(*) FROM sqlite_master WHERE name = 'payloads'", &payloadTables));
        QCOMPARE(payloadTables, qint64(0));
        QCOMPARE(log->count(), qint64(4));
        QCOMPARE(log->lastId(), qint64(7));

        const QList<LogRecord> records = log->query(LogQuery{});
        QCOMPARE(records.size(), 4);
        const LogRecord& click = records.at(0);
        QCOMPARE(click.id, qint64(1));
        QCOMPARE(click.requestId, QStringLiteral("req-a"));
        QCOMPARE(click.httpStatus, 422);
        QCOMPARE(click.message, QStringLiteral("Invalid request"));
        QCOMPARE(click.origin, QStringLiteral("https://shop.example"));
        QCOMPARE(click.queryId, QStringLiteral("43b15df305339e827f0ac0bdc5ebcaa7"));
        QCOMPARE(click.timestampMs, qint64(1699999999000));
        QCOMPARE(click.rawJson, QByteArray(R"({"eventType":"click"})"));
        const IssueList clickIssues{
            {Severity::Error, 0, QStringLiteral("eventName"), QStringLiteral("eventName.required"),
             QStringLiteral("EventName is required"), false},
            {Severity::Error, 0, QStringLiteral("objectIDs[0]"), QStringLiteral("objectID.tooLong"),
             QStringLiteral("objectIDs must be at most 512 characters « long »"), true},
            {Severity::Warning, 0, QStringLiteral("timestamp"), QStringLiteral("timestamp.sharedInBatch"),
             QStringLiteral("Every event of this batch has the same timestamp"), false},
        };
        QCOMPARE(click.issues, clickIssues);
        QCOMPARE(click.algoliaStatus, std::optional<int>(422));
        QCOMPARE(click.algoliaErrors, QStringList{QStringLiteral("EventName is required")});
        const LogRecord& view = records.at(1);
        QCOMPARE(view.eventName, QStringLiteral("Vu «produit»"));
        QCOMPARE(view.authenticatedUserToken, QStringLiteral("auth-2"));
        QVERIFY(view.issues.isEmpty());
        QCOMPARE(view.rawJson, QByteArray(R"({"eventType":"view","eventName":"Vu «produit»"})"));
        const LogRecord& refused = records.at(2);
        QCOMPARE(refused.kind, RecordKind::Request);
        QCOMPARE(refused.httpStatus, 401);
        const IssueList refusedIssues{
            {Severity::Error, -1, QStringLiteral("x-algolia-api-key"),
             QStringLiteral("request.invalidCredentials"),
             QStringLiteral("Invalid Application-ID or API key"), false},
            {Severity::Info, -1, QString(), QStringLiteral("request.note"), QString(), false},
        };
        QCOMPARE(refused.issues, refusedIssues);
        QCOMPARE(records.at(3).kind, RecordKind::Search);
        QCOMPARE(records.at(3).path, QStringLiteral("/1/indexes/products/query"));
        const std::optional<RawRequest> raw = log->rawRequest(QStringLiteral("req-b"));
        QVERIFY(raw);
        QCOMPARE(raw->body, QByteArray("{\"events\":["));
        QVERIFY(raw->bodyTruncated);
        QCOMPARE(log->deletions(),
                 (QList<QPair<QString, qint64>>{{QStringLiteral("user-9"), 1699999990000}}));

        // The filters read the moved columns.
        LogQuery text;
        text.freeText = {QStringLiteral("PRODUIT")};
        QCOMPARE(log->ids(text), QList<qint64>{2});
        LogQuery errors;
        errors.hasErrors = true;
        QCOMPARE(log->ids(errors), (QList<qint64>{1, 3}));
        LogQuery warnings;
        warnings.hasWarnings = true;
        QCOMPARE(log->count(warnings), qint64(1));

        // New records go after the saved high-water mark, beside the migrated ones; retention trims both.
        LogRecord fresh = makeRecord(QStringLiteral("new"));
        fresh.issues = clickIssues;
        log->append({fresh});
        log->flush();
        QCOMPARE(log->lastId(), qint64(8));
        QCOMPARE(log->records({8}).first().issues, clickIssues);
        log->setRetention(2);
        QTRY_COMPARE_WITH_TIMEOUT(log->count(), qint64(2), 10000);
        QCOMPARE(log->ids(LogQuery{}), (QList<qint64>{4, 8}));
    }

    void issuesRoundTrip_data()
    {
        QTest::addColumn<IssueList>("issues");
        const QString longText = QString(70'000, QLatin1Char('x')) + QStringLiteral("…");
        QTest::newRow("none") << IssueList{};
        QTest::newRow("about the request") << IssueList{
            {Severity::Error, -1, QStringLiteral("x-algolia-application-id"),
             QStringLiteral("request.missingCredentials"), QStringLiteral("Missing Application-ID"), false}};
        QTest::newRow("every severity, unverified") << IssueList{
            {Severity::Error, 0, QStringLiteral("eventName"), QStringLiteral("eventName.required"),
             QStringLiteral("EventName is required"), true},
            {Severity::Warning, 999, QStringLiteral("objectIDs[19]"), QStringLiteral("objectID.notInCatalog"),
             QStringLiteral("objectID \"sku-1\" is not a record of index \"products\""), false},
            {Severity::Info, 127, QString(), QStringLiteral("timestamp.inSeconds"), QString(), false}};
        QTest::newRow("non-ASCII and astral")
            << IssueList{{Severity::Warning, 128, QStringLiteral("objectData[0].price"),
                          QStringLiteral("value.mismatch"), QStringLiteral("prix « 12 € » 😀 — 値"), false}};
        QTest::newRow("longer than 16 KiB")
            << IssueList{{Severity::Error, 70'000, longText, QStringLiteral("code"), longText, false}};
    }

    void issuesRoundTrip()
    {
        QFETCH(IssueList, issues);
        auto log = openLog(newPath());
        QVERIFY(log);
        LogRecord r = makeRecord(QStringLiteral("user-😀"));
        r.issues = issues;
        // The record before shares the statement: its longer values must not leak into this one's.
        LogRecord before = makeRecord(QString(300, QLatin1Char('u')));
        before.issues = {{Severity::Warning, 5, QString(200, QLatin1Char('f')),
                          QString(200, QLatin1Char('c')), QString(500, QLatin1Char('m')), true}};
        log->append({before, r});
        log->flush();
        const QList<LogRecord> read = log->query(LogQuery{});
        QCOMPARE(read.size(), 2);
        QCOMPARE(read.at(0).issues, before.issues);
        QCOMPARE(read.at(1).issues, issues);
        QCOMPARE(read.at(1).userToken, QStringLiteral("user-😀"));
        QCOMPARE(read.at(1).rawJson, r.rawJson);
        LogQuery byToken;
        byToken.userToken = QStringLiteral("user-😀");
        QCOMPARE(log->ids(byToken), QList<qint64>{2});
    }

    void attachesAlgoliaVerdicts()
    {
        auto log = openLog(newPath());
        QVERIFY(log);
        // Two requests of the app (3 events and 2 events) and one other request with the same positions.
        QList<LogRecord> sent;
        for (int i = 0; i < 3; ++i) {
            LogRecord r = makeRecord(QStringLiteral("u%1").arg(i));
            r.requestId = QStringLiteral("send-1");
            r.indexInRequest = i;
            r.source = EventSource::Sent;
            sent.append(r);
        }
        log->append(sent);
        LogRecord other = makeRecord(QStringLiteral("someone"));
        other.requestId = QStringLiteral("endpoint-1");
        log->append({other});
        QList<LogRecord> second;
        for (int i = 0; i < 2; ++i) {
            LogRecord r = makeRecord(QStringLiteral("v%1").arg(i));
            r.requestId = QStringLiteral("send-2");
            r.indexInRequest = i;
            second.append(r);
        }
        log->append(second); // ids: send-1 = 1..3, endpoint-1 = 4, send-2 = 5..6

        QSignalSpy changed(log.get(), &EventLog::recordsChanged);
        // Queued after the appends: the log runs it after them, without a flush in between.
        log->attachAlgoliaVerdicts({
            {QStringLiteral("send-1"),
             1,
             422,
             {QStringLiteral("Unknown userToken format"), QStringLiteral("objectIDs: too many")}},
            {QStringLiteral("send-1"), 2, 422, {}},
            {QStringLiteral("send-2"), 0, 200, {}},
            {QStringLiteral("no-such-request"), 0, 500, {QStringLiteral("ignored")}},
            {QStringLiteral("send-2"), 7, 500, {QStringLiteral("no such position: ignored")}},
        });
        QVERIFY(changed.wait(5000));
        QCOMPARE(changed.size(), 1); // one operation, one announcement
        QCOMPARE(changed.first().first().value<QList<qint64>>(), (QList<qint64>{2, 3, 5}));

        LogQuery all;
        const QList<LogRecord> records = log->query(all);
        QCOMPARE(records.size(), 6);
        QVERIFY(!records.at(0).algoliaStatus);
        QCOMPARE(records.at(1).algoliaStatus, std::optional<int>(422));
        QCOMPARE(records.at(1).algoliaErrors, (QStringList{QStringLiteral("Unknown userToken format"),
                                                           QStringLiteral("objectIDs: too many")}));
        QCOMPARE(records.at(2).algoliaStatus, std::optional<int>(422));
        QVERIFY(records.at(2).algoliaErrors.isEmpty());
        QVERIFY(!records.at(3).algoliaStatus); // the other request, same position: untouched
        QCOMPARE(records.at(4).algoliaStatus, std::optional<int>(200));
        QVERIFY(!records.at(5).algoliaStatus);
        // The local verdict stays as logged beside Algolia's.
        QCOMPARE(records.at(1).httpStatus, 200);
        QVERIFY(records.at(1).accepted);
        // records() reads them too (the views' path).
        QCOMPARE(log->records({5, 2}).last().algoliaErrors.size(), 2);

        // A later verdict replaces the earlier one; an update naming nothing changes nothing, says nothing.
        log->attachAlgoliaVerdicts({{QStringLiteral("send-1"), 1, 200, {}}});
        QVERIFY(changed.wait(5000));
        QCOMPARE(changed.last().first().value<QList<qint64>>(), QList<qint64>{2});
        QCOMPARE(log->records({2}).first().algoliaStatus, std::optional<int>(200));
        QVERIFY(log->records({2}).first().algoliaErrors.isEmpty());
        log->attachAlgoliaVerdicts({{QStringLiteral("nothing"), 0, 200, {}}});
        log->flush();
        QCoreApplication::processEvents();
        QCOMPARE(changed.size(), 2);
        QCOMPARE(log->count(), qint64(6));

        // Thread-safe: called from another thread, it still announces on the log's thread.
        std::thread caller([raw = log.get()] {
            raw->attachAlgoliaVerdicts({{QStringLiteral("send-2"), 1, 403, {QStringLiteral("forbidden")}}});
        });
        caller.join();
        QVERIFY(changed.wait(5000));
        QCOMPARE(changed.last().first().value<QList<qint64>>(), QList<qint64>{6});
    }

    void removalDropsAlgoliaVerdicts()
    {
        const QString path = newPath();
        auto log = openLog(path, 1000);
        QVERIFY(log);
        auto verdictRows = [&path] {
            qint64 rows = -1;
            execSql(path, "SELECT count(*) FROM algolia_verdicts", &rows);
            return rows;
        };
        QList<LogRecord> records;
        for (int i = 0; i < 4; ++i) {
            LogRecord r = makeRecord(i % 2 ? QStringLiteral("tester") : QStringLiteral("other"));
            r.requestId = QStringLiteral("send-1");
            r.indexInRequest = i;
            records.append(r);
        }
        log->append(records);
        QSignalSpy changed(log.get(), &EventLog::recordsChanged);
        QList<AlgoliaVerdictUpdate> all;
        for (int i = 0; i < 4; ++i)
            all.append({QStringLiteral("send-1"), i, 422, {QStringLiteral("bad")}});
        log->attachAlgoliaVerdicts(all);
        QVERIFY(changed.wait(5000));
        QCOMPARE(verdictRows(), qint64(4));

        // A test user's reset takes their verdicts with their events.
        QCOMPARE(log->removeUserToken(QStringLiteral("tester")), qint64(2));
        QCOMPARE(verdictRows(), qint64(2));
        QCOMPARE(log->remove(QStringLiteral("other")), qint64(2));
        QCOMPARE(verdictRows(), qint64(0));

        // Retention trimming drops the verdicts of the trimmed events, keeps the others.
        QList<LogRecord> many;
        for (int i = 0; i < 100; ++i) {
            LogRecord r = makeRecord(QStringLiteral("u"));
            r.requestId = QStringLiteral("send-2");
            r.indexInRequest = i;
            many.append(r);
        }
        log->append(many);
        QList<AlgoliaVerdictUpdate> updates;
        for (int i = 0; i < 100; ++i)
            updates.append({QStringLiteral("send-2"), i, 200, {}});
        log->attachAlgoliaVerdicts(updates);
        QVERIFY(changed.wait(5000));
        QCOMPARE(verdictRows(), qint64(100));
        log->setRetention(10);
        log->flush();
        QCOMPARE(log->count(), qint64(10));
        QCOMPARE(verdictRows(), qint64(10));
        LogQuery query;
        for (const LogRecord& kept : log->query(query))
            QCOMPARE(kept.algoliaStatus, std::optional<int>(200));

        // Clearing everything leaves no verdict behind for ids that will never come back.
        QCOMPARE(log->remove(std::nullopt), qint64(10));
        QCOMPARE(verdictRows(), qint64(0));
    }

    void refusesNewerSchema()
    {
        const QString path = newPath();
        QVERIFY(execSql(path, "CREATE TABLE events(id INTEGER PRIMARY KEY); PRAGMA user_version = 99;"));
        EventLogOptions options;
        options.path = path;
        const EventLog::OpenResult result = EventLog::open(options);
        QVERIFY(!result.log);
        QVERIFY2(result.error.contains(QLatin1String("newer version")), qPrintable(result.error));
        QVERIFY(result.error.contains(QLatin1String("99")));
    }

    void brokenFilesGiveAnError_data()
    {
        QTest::addColumn<QByteArray>("content"); // empty: no file, the folder cannot be created
        QTest::addColumn<QString>("expected");
        QTest::addRow("not a database") << QByteArray("this is a text file, not SQLite\n").repeated(200)
                                        << QStringLiteral("not an event log database");
        QTest::addRow("another application's database")
            << QByteArray("sqlite") << QStringLiteral("not an event log");
        QTest::addRow("folder cannot be created")
            << QByteArray() << QStringLiteral("Cannot create the folder");
    }

    void brokenFilesGiveAnError()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, expected);
        QString path = newPath();
        if (content == "sqlite") {
            QVERIFY(execSql(path, "CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES('x');"));
        } else if (content.isEmpty()) {
            // A regular file where the folder should be: no folder can be made there, even as root.
            QFile blocker(path);
            QVERIFY(blocker.open(QIODevice::WriteOnly));
            path += QStringLiteral("/sub/events.sqlite");
        } else {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(content);
        }
        EventLogOptions options;
        options.path = path;
        const EventLog::OpenResult result = EventLog::open(options);
        QVERIFY(!result.log);
        QVERIFY2(result.error.contains(expected), qPrintable(result.error));
        if (content == "sqlite") { // refused without being changed
            qint64 rows = 0;
            QVERIFY(execSql(path, "SELECT count(*) FROM sqlite_master", &rows));
            QCOMPARE(rows, qint64(1));
        }
    }

    void failedCommitIsReportedAndRecovers()
    {
        const QString path = newPath();
        auto log = openLog(path);
        QVERIFY(log);
        log->append({makeRecord(QStringLiteral("before"))});
        log->flush();

        // Another process holds the write lock longer than the log waits for it.
        sqlite3* other = nullptr;
        QCOMPARE(sqlite3_open(QFile::encodeName(path).constData(), &other), SQLITE_OK);
        QCOMPARE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
        std::atomic<int> calls{0};
        std::atomic<bool> okSeen{true};
        QString reason;
        log->append({makeRecord(QStringLiteral("blocked"))},
                    [&](bool ok, qint64, qint64, const QString& error) {
                        okSeen = ok;
                        reason = error;
                        ++calls;
                    });
        QTRY_COMPARE_WITH_TIMEOUT(calls.load(), 1, 3 * EventLog::kBusyTimeoutMs);
        QVERIFY(!okSeen); // not acknowledged: the endpoint must not answer 200
        QCOMPARE(reason, QStringLiteral("database is locked")); // SQLite's own reason, for the 503
        QCOMPARE(log->count(), qint64(1));
        QCOMPARE(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(other);

        qint64 firstId = 0;
        log->append({makeRecord(QStringLiteral("after"))},
                    [&](bool ok, qint64 first, qint64, const QString&) { firstId = ok ? first : -1; });
        log->flush();
        QCOMPARE(firstId, qint64(2)); // the failed append consumed no id
        QCOMPARE(log->count(), qint64(2));
        LogQuery blocked;
        blocked.userToken = QStringLiteral("blocked");
        QCOMPARE(log->count(blocked), qint64(0));
    }

    void concurrentAppendsLoseNothing()
    {
        auto log = openLog(newPath());
        QVERIFY(log);
        constexpr int kThreads = 4;
        constexpr int kBatches = 50;
        constexpr int kPerBatch = 20;
        std::mutex mutex;
        QSet<qint64> committed;
        std::atomic<int> failures{0};
        std::atomic<int> readsDuringWrites{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int b = 0; b < kBatches; ++b) {
                    QList<LogRecord> records;
                    for (int i = 0; i < kPerBatch; ++i)
                        records.append(makeRecord(QStringLiteral("thread-%1").arg(t)));
                    log->append(records, [&](bool ok, qint64 first, qint64 last, const QString&) {
                        std::lock_guard lock(mutex);
                        if (!ok || last - first + 1 != kPerBatch)
                            ++failures;
                        for (qint64 id = first; id <= last; ++id)
                            committed.insert(id);
                    });
                    // Readers on other threads work while the writer writes.
                    LogQuery mine;
                    mine.userToken = QStringLiteral("thread-%1").arg(t);
                    if (log->count(mine) >= 0)
                        ++readsDuringWrites;
                }
            });
        }
        for (std::thread& thread : threads)
            thread.join();
        log->flush();
        QCOMPARE(failures.load(), 0);
        QCOMPARE(readsDuringWrites.load(), kThreads * kBatches);
        QCOMPARE(committed.size(), kThreads * kBatches * kPerBatch);
        QCOMPARE(log->count(), qint64(kThreads * kBatches * kPerBatch));
        for (int t = 0; t < kThreads; ++t) {
            LogQuery mine;
            mine.userToken = QStringLiteral("thread-%1").arg(t);
            QCOMPARE(log->count(mine), qint64(kBatches * kPerBatch));
        }
        LogQuery all;
        all.limit = 0;
        const QList<qint64> ids = log->ids(all);
        QCOMPARE(ids.first(), qint64(1));
        QCOMPARE(ids.last(), qint64(kThreads * kBatches * kPerBatch));
    }

    void recordKindNamesRoundTrip()
    {
        for (const RecordKind kind : {RecordKind::Event, RecordKind::Search, RecordKind::Request}) {
            QVERIFY(!recordKindName(kind).isEmpty());
            QCOMPARE(recordKindFromName(recordKindName(kind)), std::optional<RecordKind>(kind));
        }
        QCOMPARE(recordKindName(RecordKind::Request), QStringLiteral("request"));
        QCOMPARE(recordKindFromName(u"SEARCH"), std::optional<RecordKind>(RecordKind::Search));
        QVERIFY(!recordKindFromName(u"click"));
    }

    void rawRequestIsStoredOncePerRequest()
    {
        const QString path = newPath();
        auto log = openLog(path);
        QVERIFY(log);
        auto raw = std::make_shared<RawRequest>();
        raw->method = "POST";
        raw->target = "/1/events?x-algolia-agent=Algolia%20for%20JavaScript";
        raw->headers = "Host: 127.0.0.1\r\nX-Algolia-API-Key: ****\r\nContent-Type: application/json\r\n";
        raw->body = QByteArray("{\"events\":[{},{},{}]}\0tail", 26); // bytes as received, NUL included
        raw->bodyTruncated = true;
        QList<LogRecord> request;
        for (int i = 0; i < 3; ++i) {
            LogRecord r = makeRecord(QStringLiteral("shared"));
            r.requestId = QStringLiteral("req-raw");
            r.indexInRequest = i;
            r.method = QStringLiteral("POST");
            r.path = QStringLiteral("/1/events");
            r.rawRequest = raw;
            request.append(r);
        }
        auto otherRaw = std::make_shared<RawRequest>();
        otherRaw->method = "DELETE";
        otherRaw->target = "/1/usertokens/u1";
        LogRecord other = makeRecord(QStringLiteral("other"));
        other.requestId = QStringLiteral("req-other");
        other.rawRequest = otherRaw;
        log->append(request);
        log->append({other, makeRecord(QStringLiteral("no-raw"))});
        log->flush();

        qint64 stored = 0;
        QVERIFY(execSql(path, "SELECT count(*) FROM raw_requests", &stored));
        QCOMPARE(stored, qint64(2)); // once per request, not per event; none for a record without one
        const std::optional<RawRequest> got = log->rawRequest(QStringLiteral("req-raw"));
        QVERIFY(got);
        QVERIFY(*got == *raw);
        QCOMPARE(got->body.size(), 26);
        QVERIFY(*log->rawRequest(QStringLiteral("req-other")) == *otherRaw);
        QVERIFY(!log->rawRequest(QStringLiteral("req-no-raw")));
        QVERIFY(!log->rawRequest(QStringLiteral("req-unknown")));
        for (const LogRecord& record : log->query(LogQuery{})) // reads leave it null
            QVERIFY(!record.rawRequest);

        QObject context;
        std::optional<RawRequest> async;
        bool delivered = false;
        log->rawRequestAsync(QStringLiteral("req-raw"), &context, [&](std::optional<RawRequest> result) {
            async = std::move(result);
            delivered = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(delivered, 20000);
        QVERIFY(async && *async == *raw);

        // Gone with its events.
        log->setRetention(1);
        log->flush();
        QVERIFY(!log->rawRequest(QStringLiteral("req-raw")));
        QVERIFY(execSql(path, "SELECT count(*) FROM raw_requests", &stored));
        QCOMPARE(stored, qint64(0));
    }

    // Two logs on one file are two writers, as two processes are: ids come from the database at commit
    // time, so they never collide, and each log's count() and lastId() include the other's records.
    void twoWritersOnOneFileShareIdsAndCounts()
    {
        const QString path = newPath();
        auto first = openLog(path);
        auto second = openLog(path);
        QVERIFY(first && second);
        std::mutex mutex;
        QSet<qint64> ids;
        std::atomic<int> failures{0};
        auto record = [&](bool ok, qint64 from, qint64 to, const QString& error) {
            std::lock_guard lock(mutex);
            if (!ok || !error.isEmpty())
                ++failures;
            for (qint64 id = from; id <= to; ++id) {
                if (ids.contains(id))
                    ++failures;
                ids.insert(id);
            }
        };
        constexpr int kRounds = 40;
        for (int i = 0; i < kRounds; ++i) {
            first->append({makeRecord(QStringLiteral("one")), makeRecord(QStringLiteral("one"))}, record);
            second->append({makeRecord(QStringLiteral("two"))}, record);
        }
        first->flush();
        second->flush();
        QCOMPARE(failures.load(), 0);
        QCOMPARE(ids.size(), kRounds * 3);
        QCOMPARE(*std::max_element(ids.cbegin(), ids.cend()), qint64(kRounds * 3));
        // The one that wrote last knows of every record; a write by either brings it up to date.
        second->append({makeRecord(QStringLiteral("two"))});
        second->flush();
        QCOMPARE(second->count(), qint64(kRounds * 3 + 1));
        QCOMPARE(second->lastId(), qint64(kRounds * 3 + 1));
        first->append({makeRecord(QStringLiteral("one"))});
        first->flush();
        QCOMPARE(first->count(), qint64(kRounds * 3 + 2));
        QCOMPARE(first->lastId(), qint64(kRounds * 3 + 2));
        LogQuery ones;
        ones.userToken = QStringLiteral("one");
        QCOMPARE(second->count(ones), qint64(kRounds * 2 + 1));

        // Removal by one, then appends by the other: ids continue after the shared high-water mark.
        QCOMPARE(first->remove(std::nullopt), qint64(kRounds * 3 + 2));
        qint64 next = 0;
        second->append({makeRecord(QStringLiteral("two"))},
                       [&](bool ok, qint64 from, qint64, const QString&) { next = ok ? from : -1; });
        second->flush();
        QCOMPARE(next, qint64(kRounds * 3 + 3));
        QCOMPARE(second->count(), qint64(1));
    }

    // A log notices what other writers (other processes) commit and removes, without writing itself: the
    // desktop table shows events that `send` or another `serve` logged.
    void noticesOtherWritersCommitsAndRemovals()
    {
        const QString path = newPath();
        auto watching = openLog(path);
        auto other = openLog(path);
        QVERIFY(watching && other);
        QSignalSpy appended(watching.get(), &EventLog::recordsAppended);
        QSignalSpy removed(watching.get(), &EventLog::recordsRemoved);
        other->append({makeRecord(QStringLiteral("a")), makeRecord(QStringLiteral("b"))});
        other->flush();
        QTRY_COMPARE_WITH_TIMEOUT(watching->lastId(), qint64(2), 20000);
        QCOMPARE(watching->count(), qint64(2));
        QTRY_VERIFY_WITH_TIMEOUT(!appended.isEmpty(), 20000);
        QCOMPARE(appended.first().at(0).toLongLong(), qint64(1));
        QCOMPARE(appended.last().at(1).toLongLong(), qint64(2));
        QCOMPARE(removed.size(), 0);

        QCOMPARE(other->removeUserToken(QStringLiteral("a")), qint64(1));
        QTRY_COMPARE_WITH_TIMEOUT(watching->count(), qint64(1), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(removed.size(), 1, 20000);
        QCOMPARE(watching->lastId(), qint64(2));
    }

    // A read that meets a corrupted page says so with SQLite's reason, instead of a silently short answer.
    void corruptedPagesAreReported()
    {
        const QString path = newPath();
        {
            auto log = openLog(path);
            QVERIFY(log);
            QList<LogRecord> records;
            for (int i = 0; i < 3000; ++i) {
                LogRecord r = makeRecord(QStringLiteral("user-%1").arg(i));
                r.rawJson += QByteArray(400, ' ');
                records.append(r);
            }
            log->append(records);
            log->flush();
            QString error = QStringLiteral("stale");
            QCOMPARE(log->query(LogQuery{}, &error).size(), 1000);
            QVERIFY2(error.isEmpty(), qPrintable(error)); // cleared on success
        } // closed: the last connection checkpoints everything into the file
        QVERIFY(!QFileInfo::exists(path + QStringLiteral("-wal")) ||
                QFileInfo(path + QStringLiteral("-wal")).size() == 0);
        {
            // Garbage over the middle of the file: pages of the tables, not the header.
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadWrite));
            const qint64 size = file.size();
            QVERIFY(size > 1'000'000);
            QVERIFY(file.seek(size / 3));
            QVERIFY(file.write(QByteArray(int(size / 3), '\xa5')) == size / 3);
        }
        auto log = openLog(path);
        QVERIFY(log);
        LogQuery everything;
        everything.limit = 0;
        QString error;
        const QList<LogRecord> read = log->query(everything, &error);
        QVERIFY2(read.size() < 3000, qPrintable(QString::number(read.size())));
        QVERIFY2(error.contains(QStringLiteral("malformed")), qPrintable(error));
        QString idsError;
        log->ids(everything, &idsError);
        QVERIFY2(!idsError.isEmpty(), "ids() reports it too");
    }

    void readConnectionsCloseWithTheirThread()
    {
        const QString path = newPath();
        auto log = openLog(path);
        QVERIFY(log);
        log->append({makeRecord(QStringLiteral("a"))});
        log->flush();
        QCOMPARE(log->count(LogQuery{}), qint64(1)); // this thread's connection
        const int baseline = openFilesUnder(path);
        QVERIFY(baseline > 0);
        // Worker pools start and end threads; each one's connection must go with it, or files pile up.
        for (int i = 0; i < 20; ++i) {
            qint64 seen = 0;
            std::thread reader([&] { seen = log->count(LogQuery{}); });
            reader.join();
            QCOMPARE(seen, qint64(1));
        }
        // SQLite keeps the descriptor of a closed connection while others hold locks on the file, and reuses
        // it for the next open: one may remain, not one per thread.
        QVERIFY2(openFilesUnder(path) <= baseline + 1, qPrintable(QString::number(openFilesUnder(path))));
        log.reset();
        QCOMPARE(openFilesUnder(path), 0);
    }

    void asyncReadsDeliverOnTheLogThread()
    {
        auto log = openLog(newPath());
        QVERIFY(log);
        log->append(
            {makeRecord(QStringLiteral("a")), makeRecord(QStringLiteral("b"), QStringLiteral("view"), 422)});
        log->flush();
        QObject context;
        QList<qint64> ids;
        qint64 count = -1;
        QList<LogRecord> records;
        LogStats stats;
        QThread* deliveredOn = nullptr;
        LogQuery rejected;
        rejected.accepted = false;
        log->idsAsync(rejected, &context, [&](QList<qint64> result) {
            ids = result;
            deliveredOn = QThread::currentThread();
        });
        log->countAsync(LogQuery{}, &context, [&](qint64 result) { count = result; });
        log->recordsAsync({2, 1}, &context, [&](QList<LogRecord> result) { records = result; });
        log->statsAsync(&context, [&](LogStats result) { stats = result; });
        QTRY_COMPARE(ids, QList<qint64>{2});
        QCOMPARE(deliveredOn, QThread::currentThread());
        QTRY_COMPARE(count, qint64(2));
        QTRY_COMPARE(records.size(), 2);
        QCOMPARE(records.first().userToken, QStringLiteral("b"));
        QTRY_COMPARE(stats.total, qint64(2));

        qint64 removed = -1;
        log->removeAsync(QStringLiteral("a"), &context, [&](qint64 result) { removed = result; });
        QTRY_COMPARE(removed, qint64(1));

        // No callback once its context is gone.
        bool called = false;
        {
            QObject shortLived;
            log->countAsync(LogQuery{}, &shortLived, [&](qint64) { called = true; });
        }
        log->flush();
        QSignalSpy appended(log.get(), &EventLog::recordsAppended);
        log->append({makeRecord(QStringLiteral("c"))}); // something to wait for on the event loop
        QVERIFY(appended.wait(5000));
        QVERIFY(!called);
    }

    void durableWhenTheWriterIsKilled()
    {
        const QString path = newPath();
        QProcess helper;
        QByteArray output;
        int printed = 0;
        connect(&helper, &QProcess::readyReadStandardOutput, this, [&] {
            const QByteArray chunk = helper.readAllStandardOutput();
            output += chunk;
            printed += int(chunk.count('\n'));
        });
        helper.start(QStringLiteral(EVENTLOG_CRASH_HELPER), {path});
        QVERIFY(helper.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(printed >= 3000, 30000);
        helper.kill(); // SIGKILL, mid-stream: appends are still in flight
        QVERIFY(helper.waitForFinished(10000));
        QCOMPARE(helper.exitStatus(), QProcess::CrashExit);
        output += helper.readAllStandardOutput();

        QList<qint64> acknowledged;
        const QList<QByteArray> lines = output.split('\n');
        for (int i = 0; i + 1 < lines.size(); ++i) // the last piece is incomplete or empty
            acknowledged.append(lines.at(i).toLongLong());
        QVERIFY(acknowledged.size() >= 3000);

        auto log = openLog(path);
        QVERIFY(log);
        const QList<LogRecord> found = log->records(acknowledged);
        QCOMPARE(found.size(), acknowledged.size());
        QVERIFY(log->count() >= acknowledged.size());
        QCOMPARE(log->ids(LogQuery{}).first(), qint64(1));
    }
};

QTEST_GUILESS_MAIN(TestEventLog)
#include "tst_eventlog.moc"
