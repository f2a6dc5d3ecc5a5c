// The outbox: events wait with their collection time, survive a restart, leave only on a final answer,
// and come out in requests Algolia takes (<= 1000 events, body < 2 MB).

#include "event/eventcodec.h"
#include "outbox/outbox.h"

#include <QFile>
#include <QSet>
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
    void oversizedSingleEventStillGoesAlone();
};

void TestOutbox::stampsCollectionTimeOnlyWhenAbsent()
{
    QTemporaryDir dir;
    auto opened = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite")));
    QVERIFY2(opened.outbox, qPrintable(opened.error));
    const qint64 collectedAt = 1'790'000'000'000;
    const qint64 own = 1'789'999'000'123;
    const QList<qint64> ids =
        opened.outbox->enqueue({makeEvent(1), makeEvent(2, own)}, QStringLiteral("local|"), collectedAt);
    QCOMPARE(ids.size(), 2);
    // Taken much later (a retry hours after): the timestamps are still the collection time.
    const OutboxBatch batch = opened.outbox->takeBatch(QStringLiteral("local|"), BatchLimits{});
    QCOMPARE(batch.jsons.size(), 2);
    QCOMPARE(timestampOf(batch.jsons.at(0)), collectedAt);
    QCOMPARE(timestampOf(batch.jsons.at(1)), own);
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
        QCOMPARE(opened.outbox->enqueue(events, QStringLiteral("us|APP"), 1000).size(), 30);
        BatchLimits limits;
        limits.maxEvents = 10;
        const OutboxBatch inFlight = opened.outbox->takeBatch(QStringLiteral("us|APP"), limits);
        QCOMPARE(inFlight.ids.size(), 10);
        const OutboxBatch answered = opened.outbox->takeBatch(QStringLiteral("us|APP"), limits);
        QVERIFY(opened.outbox->remove(answered.ids));
        QCOMPARE(opened.outbox->count(OutboxState::InFlight), 10);
        QCOMPARE(opened.outbox->count(OutboxState::Queued), 10);
        // The process "dies" here with 10 in flight: nothing is released.
    }
    auto reopened = Outbox::open(path);
    QVERIFY(reopened.outbox);
    QCOMPARE(reopened.outbox->count(OutboxState::InFlight), 0);
    QCOMPARE(reopened.outbox->count(OutboxState::Queued, QStringLiteral("us|APP")), 20);
    const OutboxBatch batch = reopened.outbox->takeBatch(QStringLiteral("us|APP"), BatchLimits{});
    QCOMPARE(batch.ids.size(), 20);
    // Oldest first: the in-flight ones (user-0..9) come back before the never-sent ones (user-20..29).
    QVERIFY(batch.jsons.constFirst().contains("\"user-0\""));
    QVERIFY(batch.jsons.constLast().contains("\"user-29\""));
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
    QCOMPARE(opened.outbox->enqueue(small, QStringLiteral("a"), 1).size(), 2500);
    QList<int> sizes;
    for (OutboxBatch batch;
         !(batch = opened.outbox->takeBatch(QStringLiteral("a"), BatchLimits{})).isEmpty();)
        sizes.append(static_cast<int>(batch.ids.size()));
    QCOMPARE(sizes, (QList<int>{1000, 1000, 500}));

    // 600 events of ~5 KB: 3 MB in all, so the byte limit cuts first.
    QList<Event> big;
    for (int i = 0; i < 600; ++i) {
        Event event = makeEvent(i);
        event.setExtra(QStringLiteral("padding"), EventCodec::jsonString(QString(5000, QLatin1Char('x'))));
        big.append(event);
    }
    QCOMPARE(opened.outbox->enqueue(big, QStringLiteral("b"), 1).size(), 600);
    int total = 0;
    for (OutboxBatch batch;
         !(batch = opened.outbox->takeBatch(QStringLiteral("b"), BatchLimits{})).isEmpty();) {
        const QByteArray body = EventCodec::encodeRawBatch(batch.jsons);
        QVERIFY2(body.size() < 2'000'000, qPrintable(QString::number(body.size())));
        QVERIFY(batch.ids.size() <= 1000);
        total += static_cast<int>(batch.ids.size());
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
    QCOMPARE(batch.bodyBytes, EventCodec::encodeRawBatch(batch.jsons).size());
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
        QVERIFY(opened.outbox->recordAttempt(batch.ids, QStringLiteral("HTTP 503")));
        QVERIFY(
            opened.outbox->markFailed(batch.ids, QStringLiteral("gave up after 6 attempts; last: HTTP 503")));
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
    QCOMPARE(reopened.outbox->takeBatch(QStringLiteral("us|A"), BatchLimits{}).ids.size(), 2);
}

void TestOutbox::destinationsAreSeparate()
{
    QTemporaryDir dir;
    auto opened = Outbox::open(dir.filePath(QStringLiteral("outbox.sqlite")));
    opened.outbox->enqueue({makeEvent(1)}, QStringLiteral("local|"), 5);
    opened.outbox->enqueue({makeEvent(2), makeEvent(3)}, QStringLiteral("us|APP"), 5);
    QCOMPARE(opened.outbox->destinations(),
             (QStringList{QStringLiteral("local|"), QStringLiteral("us|APP")}));
    QCOMPARE(opened.outbox->takeBatch(QStringLiteral("us|APP"), BatchLimits{}).ids.size(), 2);
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
    QCOMPARE(opened.outbox->takeBatch(QStringLiteral("d"), BatchLimits{}).ids.size(), 1);
    QCOMPARE(opened.outbox->takeBatch(QStringLiteral("d"), BatchLimits{}).ids.size(), 1);
}

QTEST_GUILESS_MAIN(TestOutbox)
#include "tst_outbox.moc"
