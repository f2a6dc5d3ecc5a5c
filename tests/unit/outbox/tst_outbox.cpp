// The outbox: events wait with their collection time, survive a restart, leave only on a final answer,
// and come out in requests Algolia takes (<= 1000 events, body < 2 MB).

#include "compression/gzip.h"
#include "event/eventcodec.h"
#include "outbox/outbox.h"

#include <QFile>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

namespace {

Event makeEvent(int i, std::optional<qint64> timestamp = std::nullopt)
{
    Event event;
    event.eventType = QStringLiteral("view");
    event.eventName = QStringLiteral("Product Viewed");
    event.index = QStringLiteral("products");
    event.userToken = QStringLiteral("user-%1").arg(i);
    event.objectIDs = QStringList{QStringLiteral("obj-%1").arg(i)};
    event.timestamp = timestamp;
    return event;
}

qint64 timestampOf(const QByteArray& json)
{
    const DecodedBatch decoded = EventCodec::decodeEvent(json);
    return decoded.events.isEmpty() ? -1 : decoded.events.constFirst().timestamp.value_or(-1);
}

} // namespace

class TestOutbox final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stampsCollectionTimeOnlyWhenAbsent();
    void survivesReopenAndRecoversInFlight();
    void batchesHoldAtMost1000EventsAndUnder2MB();
    void batchBodySizeIsExact();
    void failedEntriesStayWithTheirReason();
    void destinationsAreSeparate();
    void batchesAreListedWithStateAndRetriedOrDiscardedOneByOne();
    void oversizedSingleEventStillGoesAlone();
    void oneRowPerBatchAndAnAnswerDeletesIt();
    void smallRowsAreJoinedIntoOneRequest();
    void rowQueuedUnderLargerLimitsIsSplitInOrder();
    void migratesARowPerEventFile();
    void refusesAFileOfANewerVersion();
    void gzipBodiesAreStoredCompressedAndReadBackExactly();
    void plainBodiesQueuedHereAreReusedOnlyForTheirOwnRow();
    void migratesASchema3File();
    void migratesASchema4FileKeepingItsBatches();
};

void TestOutbox::stampsCollectionTimeOnlyWhenAbsent()
{
    QTemporaryDir dir;
    auto opened = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite")));
    QVERIFY2(opened.outbox, qPrintable(opened.error));
    const qint64 collectedAt = 1'790'000'000'000;
    const qint64 own = 1'789'999'000'123;
    QCOMPARE(opened.outbox->enqueue({makeEvent(1), makeEvent(2, own)}, QStringLiteral("local|"), collectedAt),
             2);
    // Taken much later (a retry hours after): the timestamps are still the collection time.
    const OutboxBatch batch = opened.outbox->takeBatch(QStringLiteral("local|"), BatchLimits{});
    const QList<QByteArray> jsons = batch.jsons();
    QCOMPARE(jsons.size(), 2);
    QCOMPARE(timestampOf(jsons.at(0)), collectedAt);
    QCOMPARE(timestampOf(jsons.at(1)), own);
}

void TestOutbox::survivesReopenAndRecoversInFlight()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    QList<Event> events;
    for (int i = 0; i < 30; ++i)
        events.append(makeEvent(i));
    {
        auto opened = Outbox::open(path);
        QVERIFY(opened.outbox);
        BatchLimits limits;
        limits.maxEvents = 10;
        QCOMPARE(opened.outbox->enqueue(events, QStringLiteral("us|APP"), 1000, limits), 30);
        const OutboxBatch inFlight = opened.outbox->takeBatch(QStringLiteral("us|APP"), limits);
        QCOMPARE(inFlight.eventCount(), 10);
        const OutboxBatch answered = opened.outbox->takeBatch(QStringLiteral("us|APP"), limits);
        QVERIFY(opened.outbox->remove(answered.rows));
        QCOMPARE(opened.outbox->count(OutboxState::InFlight), 10);
        QCOMPARE(opened.outbox->count(OutboxState::Queued), 10);
        // The process "dies" here with 10 in flight: nothing is released.
    }
    auto reopened = Outbox::open(path);
    QVERIFY(reopened.outbox);
    QCOMPARE(reopened.outbox->count(OutboxState::InFlight), 0);
    QCOMPARE(reopened.outbox->count(OutboxState::Queued, QStringLiteral("us|APP")), 20);
    const OutboxBatch batch = reopened.outbox->takeBatch(QStringLiteral("us|APP"), BatchLimits{});
    QCOMPARE(batch.eventCount(), 20);
    // Oldest first: the in-flight ones (user-0..9) come back before the never-sent ones (user-20..29).
    QVERIFY(batch.jsons().constFirst().contains("\"user-0\""));
    QVERIFY(batch.jsons().constLast().contains("\"user-29\""));
}

void TestOutbox::batchesHoldAtMost1000EventsAndUnder2MB()
{
    QTemporaryDir dir;
    auto opened = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite")));
    QVERIFY(opened.outbox);
    // 2500 small events: 1000 + 1000 + 500.
    QList<Event> small;
    for (int i = 0; i < 2500; ++i)
        small.append(makeEvent(i));
    QCOMPARE(opened.outbox->enqueue(small, QStringLiteral("a"), 1), 2500);
    QList<int> sizes;
    for (OutboxBatch batch;
         !(batch = opened.outbox->takeBatch(QStringLiteral("a"), BatchLimits{})).isEmpty();)
        sizes.append(batch.eventCount());
    QCOMPARE(sizes, (QList<int>{1000, 1000, 500}));

    // 600 events of ~5 KB: 3 MB in all, so the byte limit cuts first.
    QList<Event> big;
    for (int i = 0; i < 600; ++i) {
        Event event = makeEvent(i);
        event.setExtra(QStringLiteral("padding"), EventCodec::jsonString(QString(5000, QLatin1Char('x'))));
        big.append(event);
    }
    QCOMPARE(opened.outbox->enqueue(big, QStringLiteral("b"), 1), 600);
    int total = 0;
    for (OutboxBatch batch;
         !(batch = opened.outbox->takeBatch(QStringLiteral("b"), BatchLimits{})).isEmpty();) {
        const QByteArray body = EventCodec::encodeRawBatch(batch.jsons());
        QCOMPARE(batch.body, body);
        QVERIFY2(body.size() < 2'000'000, qPrintable(QString::number(body.size())));
        QVERIFY(batch.eventCount() <= 1000);
        total += batch.eventCount();
    }
    QCOMPARE(total, 600);
}

void TestOutbox::batchBodySizeIsExact()
{
    QTemporaryDir dir;
    auto opened = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite")));
    QVERIFY(opened.outbox);
    opened.outbox->enqueue({makeEvent(1), makeEvent(2), makeEvent(3)}, QStringLiteral("x"), 5);
    const OutboxBatch batch = opened.outbox->takeBatch(QStringLiteral("x"), BatchLimits{});
    QCOMPARE(batch.bodyBytes(), EventCodec::encodeRawBatch(batch.jsons()).size());
    QCOMPARE(batch.body, EventCodec::encodeRawBatch(batch.jsons()));
    QCOMPARE(rawBatchBodySize(0, 0), EventCodec::encodeRawBatch({}).size());
}

void TestOutbox::failedEntriesStayWithTheirReason()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    {
        auto opened = Outbox::open(path);
        opened.outbox->enqueue({makeEvent(1), makeEvent(2)}, QStringLiteral("us|A"), 5);
        const OutboxBatch batch = opened.outbox->takeBatch(QStringLiteral("us|A"), BatchLimits{});
        QVERIFY(opened.outbox->recordAttempt(batch.rows, QStringLiteral("HTTP 503")));
        QVERIFY(opened.outbox->markFailed(batch.rows,
                                          QStringLiteral("gave up after 6 attempts; last: HTTP 503")));
    }
    auto reopened = Outbox::open(path);
    QCOMPARE(reopened.outbox->count(OutboxState::Failed, QStringLiteral("us|A")), 2);
    QCOMPARE(reopened.outbox->count(OutboxState::Queued, QStringLiteral("us|A")), 0);
    const QList<OutboxEntry> failed = reopened.outbox->entries(OutboxState::Failed, QStringLiteral("us|A"));
    QCOMPARE(failed.size(), 2);
    QCOMPARE(failed.constFirst().lastError, QStringLiteral("gave up after 6 attempts; last: HTTP 503"));
    QCOMPARE(failed.constFirst().attempts, 1);
    QVERIFY(reopened.outbox->takeBatch(QStringLiteral("us|A"), BatchLimits{}).isEmpty());
    QCOMPARE(reopened.outbox->requeueFailed(QStringLiteral("us|A")), 2);
    QCOMPARE(reopened.outbox->takeBatch(QStringLiteral("us|A"), BatchLimits{}).eventCount(), 2);
}

void TestOutbox::batchesAreListedWithStateAndRetriedOrDiscardedOneByOne()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    const QString us = QStringLiteral("us|APP");
    BatchLimits two;
    two.maxEvents = 2;
    {
        auto opened = Outbox::open(path);
        Outbox& outbox = *opened.outbox;
        // Three rows: [1,2] and [3] for us, [4] for the endpoint.
        QCOMPARE(outbox.enqueue({makeEvent(1), makeEvent(2), makeEvent(3)}, us, 7, two), 3);
        QCOMPARE(outbox.enqueue({makeEvent(4)}, QStringLiteral("local|"), 8), 1);
        const OutboxBatch taken = outbox.takeBatch(us, two);
        QCOMPARE(taken.eventCount(), 2);
        QVERIFY(outbox.recordAttempt(taken.rows, QStringLiteral("couldn't connect")));
        QVERIFY(outbox.markFailed(taken.rows, QStringLiteral("gave up after 2 attempts")));
        const OutboxBatch inFlight = outbox.takeBatch(us, two);
        QCOMPARE(inFlight.eventCount(), 1);

        const QList<OutboxBatchInfo> batches = outbox.batches();
        QCOMPARE(batches.size(), 3);
        QCOMPARE(batches.at(0).state, OutboxState::Failed);
        QCOMPARE(batches.at(0).eventCount, 2);
        QCOMPARE(batches.at(0).destination, us);
        QCOMPARE(batches.at(0).attempts, 1);
        QCOMPARE(batches.at(0).lastError, QStringLiteral("gave up after 2 attempts"));
        QCOMPARE(batches.at(0).enqueuedAtMs, 7);
        QCOMPARE(batches.at(0).retries, 0);
        QCOMPARE(batches.at(1).state, OutboxState::InFlight);
        QVERIFY(outbox.isInFlight(batches.at(1).row));
        QCOMPARE(batches.at(2).state, OutboxState::Queued);
        QCOMPARE(batches.at(2).destination, QStringLiteral("local|"));
        QCOMPARE(outbox.batches(1).size(), 1); // the limit holds

        // A row in flight is not discarded (its sender holds it); a queued one is.
        QCOMPARE(outbox.discard({batches.at(1).row, batches.at(2).row}), 1);
        QCOMPARE(outbox.batches().size(), 2);
        // Only failed rows are requeued; the retry is counted, the reason kept until the next answer.
        QCOMPARE(outbox.requeue({batches.at(0).row, batches.at(1).row}), 2);
        QCOMPARE(outbox.retries(batches.at(0).row), 1);
        const OutboxBatchInfo again = outbox.batches().constFirst();
        QCOMPARE(again.state, OutboxState::Queued);
        QCOMPARE(again.attempts, 0);
        QCOMPARE(again.retries, 1);
        QCOMPARE(again.lastError, QStringLiteral("gave up after 2 attempts"));
        QVERIFY(outbox.markFailed(outbox.takeBatch(us, two).rows, QStringLiteral("again")));
        QCOMPARE(outbox.batches().constFirst().retries, 1);
        QCOMPARE(outbox.requeueFailed(us), 2);
        QCOMPARE(outbox.retries(again.row), 2);
    }
    // After a restart the batches are still listed; what was in flight is queued; the retries, attempts and
    // reason are the file's, so "failed again" still reads so.
    auto reopened = Outbox::open(path);
    const QList<OutboxBatchInfo> listed = reopened.outbox->batches();
    QCOMPARE(listed.size(), 2);
    QCOMPARE(listed.at(0).state, OutboxState::Queued);
    QCOMPARE(listed.at(0).retries, 2);
    QCOMPARE(reopened.outbox->retries(listed.at(0).row), 2);
    QCOMPARE(listed.at(0).lastError, QStringLiteral("again"));
    QCOMPARE(listed.at(1).retries, 0);
    QCOMPARE(listed.at(1).state, OutboxState::Queued);
    QCOMPARE(reopened.outbox->discard({listed.at(0).row, listed.at(1).row}), 3);
    QVERIFY(reopened.outbox->batches().isEmpty());
}

void TestOutbox::destinationsAreSeparate()
{
    QTemporaryDir dir;
    auto opened = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite")));
    opened.outbox->enqueue({makeEvent(1)}, QStringLiteral("local|"), 5);
    opened.outbox->enqueue({makeEvent(2), makeEvent(3)}, QStringLiteral("us|APP"), 5);
    QCOMPARE(opened.outbox->destinations(),
             (QStringList{QStringLiteral("local|"), QStringLiteral("us|APP")}));
    QCOMPARE(opened.outbox->takeBatch(QStringLiteral("us|APP"), BatchLimits{}).eventCount(), 2);
    QCOMPARE(opened.outbox->count(OutboxState::Queued, QStringLiteral("local|")), 1);
}

void TestOutbox::oversizedSingleEventStillGoesAlone()
{
    QTemporaryDir dir;
    auto opened = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite")));
    Event huge = makeEvent(1);
    huge.setExtra(QStringLiteral("padding"), EventCodec::jsonString(QString(2'100'000, QLatin1Char('y'))));
    opened.outbox->enqueue({huge, makeEvent(2)}, QStringLiteral("d"), 5);
    // The server's 413 is the verdict the user needs to see; the outbox must not wedge on it.
    QCOMPARE(opened.outbox->takeBatch(QStringLiteral("d"), BatchLimits{}).eventCount(), 1);
    QCOMPARE(opened.outbox->takeBatch(QStringLiteral("d"), BatchLimits{}).eventCount(), 1);
}

namespace {

// Rows of the outbox file, read with a connection of its own (what a later process would find).
qint64 storedRows(const QString& path)
{
    qint64 rows = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("peek"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(QStringLiteral("SELECT COUNT(*) FROM batches")) && query.next())
                rows = query.value(0).toLongLong();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("peek"));
    return rows;
}

} // namespace

void TestOutbox::oneRowPerBatchAndAnAnswerDeletesIt()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    auto opened = Outbox::open(path);
    QList<Event> events;
    for (int i = 0; i < 2500; ++i)
        events.append(makeEvent(i, 1'700'000'000'000 + i));
    QCOMPARE(opened.outbox->enqueue(events, QStringLiteral("local|"), 5), 2500);
    QCOMPARE(storedRows(path), 3); // 1000 + 1000 + 500, each one request body
    const OutboxBatch first = opened.outbox->takeBatch(QStringLiteral("local|"), BatchLimits{});
    QCOMPARE(first.rows.size(), 1);
    QCOMPARE(first.eventCount(), 1000);
    QList<Event> expected = events.mid(0, 1000);
    QCOMPARE(first.body, EventCodec::encodeBatch(expected)); // the events as queued, in order
    QVERIFY(opened.outbox->remove(first.rows));
    QCOMPARE(storedRows(path), 2);
    QCOMPARE(opened.outbox->count(OutboxState::Queued, QStringLiteral("local|")), 1500);
}

void TestOutbox::smallRowsAreJoinedIntoOneRequest()
{
    QTemporaryDir dir;
    auto opened = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite")));
    // The desktop app queues one composed event at a time; while the network is down they pile up and
    // then leave together, not one request each.
    for (int i = 0; i < 5; ++i)
        QCOMPARE(opened.outbox->enqueue({makeEvent(i)}, QStringLiteral("us|A"), 5), 1);
    const OutboxBatch batch = opened.outbox->takeBatch(QStringLiteral("us|A"), BatchLimits{});
    QCOMPARE(batch.rows.size(), 5);
    QCOMPARE(batch.eventCount(), 5);
    QCOMPARE(batch.body, EventCodec::encodeRawBatch(batch.jsons()));
    QVERIFY(batch.jsons().at(3).contains("\"user-3\""));
    QCOMPARE(opened.outbox->count(OutboxState::InFlight, QStringLiteral("us|A")), 5);
    QVERIFY(opened.outbox->takeBatch(QStringLiteral("us|A"), BatchLimits{}).isEmpty());
}

void TestOutbox::rowQueuedUnderLargerLimitsIsSplitInOrder()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    {
        auto opened = Outbox::open(path);
        QList<Event> events;
        for (int i = 0; i < 25; ++i)
            events.append(makeEvent(i));
        QCOMPARE(opened.outbox->enqueue(events, QStringLiteral("x"), 5), 25);
    }
    // A later run with --batch-size 10: the stored batch of 25 goes out as 10 + 10 + 5, in order, and a
    // part taken but unanswered when the process dies is sent again.
    BatchLimits limits;
    limits.maxEvents = 10;
    {
        auto opened = Outbox::open(path);
        const OutboxBatch lost = opened.outbox->takeBatch(QStringLiteral("x"), limits);
        QCOMPARE(lost.eventCount(), 10);
        QVERIFY(lost.jsons().constFirst().contains("\"user-0\""));
        QCOMPARE(opened.outbox->count(OutboxState::Queued, QStringLiteral("x")), 15);
    }
    auto opened = Outbox::open(path);
    QCOMPARE(opened.outbox->count(OutboxState::Queued, QStringLiteral("x")), 25);
    QStringList order;
    for (OutboxBatch batch; !(batch = opened.outbox->takeBatch(QStringLiteral("x"), limits)).isEmpty();) {
        QVERIFY(batch.eventCount() <= 10);
        QCOMPARE(batch.body, EventCodec::encodeRawBatch(batch.jsons()));
        for (const QByteArray& json : batch.jsons())
            order.append(EventCodec::decodeEvent(json).events.constFirst().userToken.value_or(QString()));
        QVERIFY(opened.outbox->remove(batch.rows));
    }
    QCOMPARE(order.size(), 25);
    QCOMPARE(QSet<QString>(order.begin(), order.end()).size(), 25);
    QCOMPARE(opened.outbox->count(OutboxState::Queued), 0);
}

void TestOutbox::migratesARowPerEventFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    QList<QByteArray> jsons;
    for (int i = 0; i < 1500; ++i)
        jsons.append(EventCodec::encodeEvent(makeEvent(i, 1'700'000'000'000 + i)));
    {
        // The file as schema 2 left it: one row per event.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v2"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral(
            "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, "
            "enqueued_ms INTEGER NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL, last_error "
            "TEXT, json BLOB NOT NULL)")));
        QVERIFY(query.exec(QStringLiteral("PRAGMA user_version=2")));
        QVERIFY(db.transaction());
        QSqlQuery insert(db);
        insert.prepare(QStringLiteral("INSERT INTO outbox (destination, enqueued_ms, state, attempts, "
                                      "last_error, json) VALUES (?, 7, ?, ?, ?, ?)"));
        for (int i = 0; i < jsons.size(); ++i) {
            const bool failed = i >= 1490;
            insert.bindValue(0, QStringLiteral("us|APP"));
            insert.bindValue(1, failed ? 2 : 0);
            insert.bindValue(2, failed ? 6 : 0);
            insert.bindValue(3, failed ? QVariant(QStringLiteral("gave up: HTTP 503")) : QVariant());
            insert.bindValue(4, jsons.at(i));
            QVERIFY(insert.exec());
        }
        QVERIFY(db.commit());
    }
    QSqlDatabase::removeDatabase(QStringLiteral("v2"));

    auto opened = Outbox::open(path);
    QVERIFY2(opened.outbox, qPrintable(opened.error));
    QCOMPARE(opened.outbox->count(OutboxState::Queued, QStringLiteral("us|APP")), 1490);
    QCOMPARE(opened.outbox->count(OutboxState::Failed, QStringLiteral("us|APP")), 10);
    QCOMPARE(opened.outbox->entries(OutboxState::Failed).constFirst().lastError,
             QStringLiteral("gave up: HTTP 503"));
    const OutboxBatch first = opened.outbox->takeBatch(QStringLiteral("us|APP"), BatchLimits{});
    QCOMPARE(first.body, EventCodec::encodeRawBatch(jsons.mid(0, 1000)));
    const OutboxBatch second = opened.outbox->takeBatch(QStringLiteral("us|APP"), BatchLimits{});
    QCOMPARE(second.body, EventCodec::encodeRawBatch(jsons.mid(1000, 490)));
    QCOMPARE(opened.outbox->requeueFailed(QStringLiteral("us|APP")), 10);
    QCOMPARE(opened.outbox->takeBatch(QStringLiteral("us|APP"), BatchLimits{}).jsons(), jsons.mid(1490));
}

void TestOutbox::refusesAFileOfANewerVersion()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("future"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("PRAGMA user_version=99")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("future"));
    const Outbox::OpenResult opened = Outbox::open(path);
    QVERIFY(!opened.outbox);
    QVERIFY2(opened.error.contains(QLatin1String("newer version")) && opened.error.contains(path),
             qPrintable(opened.error));
}

void TestOutbox::gzipBodiesAreStoredCompressedAndReadBackExactly()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    auto opened = Outbox::open(path);
    QList<QByteArray> jsons;
    for (int i = 0; i < 1500; ++i)
        jsons.append(EventCodec::encodeEvent(makeEvent(i, 1'700'000'000'000 + i)));
    QCOMPARE(opened.outbox->enqueueRaw(jsons, QStringLiteral("local|"), 5, BatchLimits{}, BodyEncoding::Gzip),
             1500);
    // A single small event gains nothing from gzip: stored plain.
    QCOMPARE(opened.outbox->enqueueRaw({jsons.constFirst()}, QStringLiteral("tiny"), 5, BatchLimits{},
                                       BodyEncoding::Gzip),
             1);
    const OutboxBatch first = opened.outbox->takeBatch(QStringLiteral("local|"), BatchLimits{});
    QVERIFY(first.gzipped);
    const QByteArray plain = EventCodec::encodeRawBatch(jsons.mid(0, 1000));
    QVERIFY2(first.body.size() * 4 < plain.size(), qPrintable(QString::number(first.body.size())));
    QCOMPARE(inflateBody(first.body, plain.size()).data, plain);
    QCOMPARE(first.plainBody(), plain);
    QCOMPARE(first.bodyBytes(), plain.size());
    QCOMPARE(first.jsons(), jsons.mid(0, 1000));
    const OutboxBatch tiny = opened.outbox->takeBatch(QStringLiteral("tiny"), BatchLimits{});
    QVERIFY(!tiny.gzipped);
    QCOMPARE(tiny.body, EventCodec::encodeRawBatch({jsons.constFirst()}));

    // Read back by a later run under smaller limits: split from the stored gzip body, in order.
    opened.outbox.reset();
    opened = Outbox::open(path);
    BatchLimits limits;
    limits.maxEvents = 400;
    QList<QByteArray> sent;
    for (OutboxBatch batch;
         !(batch = opened.outbox->takeBatch(QStringLiteral("local|"), limits)).isEmpty();) {
        QVERIFY(batch.eventCount() <= 400);
        QCOMPARE(batch.plainBody(), EventCodec::encodeRawBatch(batch.jsons()));
        sent += batch.jsons();
        QVERIFY(opened.outbox->remove(batch.rows));
    }
    QCOMPARE(sent.size(), 1500);
    QCOMPARE(QSet<QByteArray>(sent.begin(), sent.end()).size(), 1500);

    // Joined with a plain row, a stored gzip row makes one plain body.
    QVERIFY(opened.outbox->enqueueRaw(jsons.mid(0, 10), QStringLiteral("j"), 5, BatchLimits{},
                                      BodyEncoding::Gzip) == 10);
    QVERIFY(opened.outbox->enqueueRaw({jsons.at(10)}, QStringLiteral("j"), 5) == 1);
    const OutboxBatch joined = opened.outbox->takeBatch(QStringLiteral("j"), BatchLimits{});
    QVERIFY(!joined.gzipped);
    QCOMPARE(joined.body, EventCodec::encodeRawBatch(jsons.mid(0, 11)));
    QCOMPARE(opened.outbox->entries(OutboxState::InFlight, QStringLiteral("j")).constFirst().json,
             jsons.constFirst());
}

void TestOutbox::plainBodiesQueuedHereAreReusedOnlyForTheirOwnRow()
{
    // Queued gzip-encoded by this process through a second connection (as `send` queues on a thread of
    // its own): the batch taken carries the plain body, no inflate needed, byte for byte the stored one's.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    auto owner = Outbox::open(path);
    QVERIFY2(owner.outbox, qPrintable(owner.error));
    QList<QByteArray> jsons;
    for (int i = 0; i < 2000; ++i)
        jsons.append(EventCodec::encodeEvent(makeEvent(i, 1'700'000'000'000 + i)));
    {
        auto writer = Outbox::open(path, Outbox::Recovery::None);
        QVERIFY2(writer.outbox, qPrintable(writer.error));
        QList<QByteArrayView> views(jsons.cbegin(), jsons.cend());
        QCOMPARE(
            writer.outbox->enqueueViews(views, QStringLiteral("d"), 5, BatchLimits{}, BodyEncoding::Gzip),
            2000);
    }
    const QByteArray firstPlain = EventCodec::encodeRawBatch(jsons.mid(0, 1000));
    const OutboxBatch first = owner.outbox->takeBatch(QStringLiteral("d"), BatchLimits{});
    QVERIFY(first.gzipped);
    QCOMPARE(first.plain, firstPlain);
    QCOMPARE(inflateBody(first.body, firstPlain.size()).data, firstPlain);
    QCOMPARE(first.jsons(), jsons.mid(0, 1000));

    // The second row's stored body replaced behind the process's back: the plain body kept for that row
    // is not the one stored any more, so it is not used; what is sent is what the file holds.
    const QList<QByteArray> others{EventCodec::encodeEvent(makeEvent(7, 42)),
                                   EventCodec::encodeEvent(makeEvent(8, 43))};
    const QByteArray replacement = EventCodec::encodeRawBatch(others);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("behind"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        query.prepare(QStringLiteral("UPDATE batches SET body = ?, events = 2, lengths = ? WHERE id = ?"));
        query.bindValue(0, gzipBody(replacement));
        QByteArray lengths;
        for (const QByteArray& json : others) {
            const quint32 length = static_cast<quint32>(json.size());
            lengths.append(reinterpret_cast<const char*>(&length), 4); // little-endian on this machine
        }
        query.bindValue(1, lengths);
        query.bindValue(2, first.rows.constFirst() + 1);
        QVERIFY(query.exec());
        QCOMPARE(query.numRowsAffected(), 1);
    }
    QSqlDatabase::removeDatabase(QStringLiteral("behind"));
    const OutboxBatch second = owner.outbox->takeBatch(QStringLiteral("d"), BatchLimits{});
    QVERIFY(second.gzipped);
    QVERIFY(second.plain.isEmpty());
    QCOMPARE(second.plainBody(), replacement);
    QCOMPARE(second.jsons(), others);
}

void TestOutbox::migratesASchema3File()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    const QList<QByteArray> jsons{EventCodec::encodeEvent(makeEvent(1, 5)),
                                  EventCodec::encodeEvent(makeEvent(2, 6))};
    {
        // Schema 3: batch rows without the encoding column (plain bodies).
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v3"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral(
            "CREATE TABLE batches (id INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, "
            "enqueued_ms INTEGER NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL, last_error "
            "TEXT, events INTEGER NOT NULL, lengths BLOB NOT NULL, body BLOB NOT NULL)")));
        QVERIFY(query.exec(QStringLiteral("PRAGMA user_version=3")));
        QByteArray lengths;
        for (const QByteArray& json : jsons) {
            const quint32 length = static_cast<quint32>(json.size());
            lengths.append(reinterpret_cast<const char*>(&length), 4); // little-endian on this machine
        }
        query.prepare(
            QStringLiteral("INSERT INTO batches (destination, enqueued_ms, state, attempts, events, "
                           "lengths, body) VALUES ('us|A', 1, 0, 0, 2, ?, ?)"));
        query.bindValue(0, lengths);
        query.bindValue(1, EventCodec::encodeRawBatch(jsons));
        QVERIFY(query.exec());
    }
    QSqlDatabase::removeDatabase(QStringLiteral("v3"));
    auto opened = Outbox::open(path);
    QVERIFY2(opened.outbox, qPrintable(opened.error));
    const OutboxBatch batch = opened.outbox->takeBatch(QStringLiteral("us|A"), BatchLimits{});
    QVERIFY(!batch.gzipped);
    QCOMPARE(batch.jsons(), jsons);
    QCOMPARE(opened.outbox->enqueueRaw(jsons, QStringLiteral("us|A"), 5, BatchLimits{}, BodyEncoding::Gzip),
             2);
}

void TestOutbox::migratesASchema4FileKeepingItsBatches()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    const QList<QByteArray> jsons{EventCodec::encodeEvent(makeEvent(1, 5))};
    {
        // Schema 4: batch rows with the encoding column, the user's retries in memory only.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v4"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral(
            "CREATE TABLE batches (id INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, "
            "enqueued_ms INTEGER NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL, last_error "
            "TEXT, events INTEGER NOT NULL, lengths BLOB NOT NULL, body BLOB NOT NULL, encoding INTEGER NOT "
            "NULL DEFAULT 0)")));
        QVERIFY(query.exec(QStringLiteral("PRAGMA user_version=4")));
        const quint32 length = static_cast<quint32>(jsons.constFirst().size());
        query.prepare(QStringLiteral(
            "INSERT INTO batches (destination, enqueued_ms, state, attempts, last_error, events, lengths, "
            "body) VALUES ('us|A', 1, 2, 3, 'gave up after 3 attempts', 1, ?, ?)"));
        query.bindValue(0, QByteArray(reinterpret_cast<const char*>(&length), 4)); // little-endian here
        query.bindValue(1, EventCodec::encodeRawBatch(jsons));
        QVERIFY(query.exec());
    }
    QSqlDatabase::removeDatabase(QStringLiteral("v4"));
    qint64 row = 0;
    {
        auto opened = Outbox::open(path);
        QVERIFY2(opened.outbox, qPrintable(opened.error));
        const QList<OutboxBatchInfo> batches = opened.outbox->batches();
        QCOMPARE(batches.size(), 1);
        QCOMPARE(batches.constFirst().state, OutboxState::Failed);
        QCOMPARE(batches.constFirst().attempts, 3);
        QCOMPARE(batches.constFirst().lastError, QStringLiteral("gave up after 3 attempts"));
        QCOMPARE(batches.constFirst().retries, 0); // never retried, as far as the file knows
        row = batches.constFirst().row;
        QCOMPARE(opened.outbox->requeue({row}), 1);
        const OutboxBatch batch = opened.outbox->takeBatch(QStringLiteral("us|A"), BatchLimits{});
        QCOMPARE(batch.jsons(), jsons);
        QVERIFY(opened.outbox->recordAttempt(batch.rows, QStringLiteral("couldn't connect")));
        QVERIFY(opened.outbox->markFailed(batch.rows, QStringLiteral("gave up after 1 attempts")));
    }
    // Reopened: migrated once, the retry and the last attempt's reason are the file's.
    auto reopened = Outbox::open(path);
    QVERIFY2(reopened.outbox, qPrintable(reopened.error));
    const OutboxBatchInfo info = reopened.outbox->batches().constFirst();
    QCOMPARE(info.row, row);
    QCOMPARE(info.state, OutboxState::Failed);
    QCOMPARE(info.retries, 1);
    QCOMPARE(info.attempts, 1);
    QCOMPARE(info.lastError, QStringLiteral("gave up after 1 attempts"));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v5"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery version(db);
        QVERIFY(version.exec(QStringLiteral("PRAGMA user_version")) && version.next());
        QCOMPARE(version.value(0).toInt(), 5);
    }
    QSqlDatabase::removeDatabase(QStringLiteral("v5"));
}

QTEST_GUILESS_MAIN(TestOutbox)
#include "tst_outbox.moc"
