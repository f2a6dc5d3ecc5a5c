// The live table model over a real event log: rows follow the filter, new events are announced in batches,
// pause keeps every event, the record cache stays bounded, sorting and removals keep the rows right.

#include "event/vocabulary.h"
#include "logfixture.h"
#include "views/eventtablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

class TestEventTableModel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsExistingRowsAndFetchesRecords();
    void userTokenColumnsShowEachToken();
    void filterSelectsRows_data();
    void filterSelectsRows();
    void announcesNewEventsInBatches();
    void pauseKeepsEveryEvent();
    void cacheStaysBounded();
    void sortsByColumnAndBack();
    void dropsRemovedRows();
    void followsRetentionTrims_data();
    void followsRetentionTrims();
    void showsAlgoliasVerdictWhenAttached_data();
    void showsAlgoliasVerdictWhenAttached();
    void showsEachKindOfRecord();
    void kindAndQueryIdFiltersSelectRows_data();
    void kindAndQueryIdFiltersSelectRows();
};

namespace {

QList<qint64> modelIds(const EventTableModel& model)
{
    QList<qint64> ids;
    for (int row = 0; row < model.rowCount(); ++row)
        ids << model.idAt(row);
    return ids;
}

} // namespace

void TestEventTableModel::showsExistingRowsAndFetchesRecords()
{
    LogFixture::OpenLog fixture = LogFixture::open();
    QVERIFY(fixture.log);
    fixture.log->append(LogFixture::records(0, 120));
    fixture.log->flush();

    EventTableModel model(fixture.log.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE(model.rowCount(), 120);
    QCOMPARE(model.columnCount(), static_cast<int>(EventTableModel::Column::Count));

    // The first ask for a row's record starts a fetch; the record then appears.
    const QModelIndex http = model.index(39, static_cast<int>(EventTableModel::Column::Http));
    QTRY_COMPARE(model.data(http).toInt(), 422); // record 39 is in request 9, rejected
    const QModelIndex status = model.index(36, static_cast<int>(EventTableModel::Column::Status));
    QCOMPARE(model.data(status).toString(), QStringLiteral("Rejected with its batch"));
    QCOMPARE(model.data(status, EventTableModel::VerdictRole).toInt(),
             static_cast<int>(Verdict::RejectedWithBatch));
    const QModelIndex culprit = model.index(37, static_cast<int>(EventTableModel::Column::UserToken));
    QCOMPARE(model.data(culprit).toString(), QStringLiteral("bad token!"));
    QCOMPARE(model.data(model.index(37, 0), EventTableModel::VerdictRole).toInt(),
             static_cast<int>(Verdict::Rejected));
    const QString received =
        model.data(model.index(0, static_cast<int>(EventTableModel::Column::ReceivedAt))).toString();
    // Milliseconds and a relative time.
    QVERIFY2(received.contains(QRegularExpression(QStringLiteral("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} · "))),
             qPrintable(received));
    QCOMPARE(model.data(model.index(2, static_cast<int>(EventTableModel::Column::EventType))).toString(),
             QStringLiteral("conversion · purchase"));
}

void TestEventTableModel::filterSelectsRows_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("rows");
    // 400 records = 100 requests of 4; requests 9, 19, ... 99 are rejected: 10 requests, 40 events, 10
    // invalid.
    QTest::addRow("all") << QString() << 400;
    QTest::addRow("httpCode=422") << QStringLiteral("httpCode=422") << 40;
    QTest::addRow("status=4XX") << QStringLiteral("status=4XX") << 40;
    QTest::addRow("errors=true") << QStringLiteral("errors=true") << 10;
    QTest::addRow("status=accepted") << QStringLiteral("status=accepted") << 360;
    QTest::addRow("eventType=purchase") << QStringLiteral("eventType=purchase") << 133;
    QTest::addRow("userToken") << QStringLiteral("userToken=user-0") << 100;
    QTest::addRow("free text") << QStringLiteral("sku-123") << 1;
    QTest::addRow("and") << QStringLiteral("httpCode=422 AND eventType=click") << 14;
}

void TestEventTableModel::filterSelectsRows()
{
    QFETCH(QString, text);
    QFETCH(int, rows);
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::records(0, 400));
    fixture.log->flush();
    EventTableModel model(fixture.log.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE(model.rowCount(), 400);
    const EventFilterParseResult parsed = EventFilter::parse(text);
    QVERIFY(parsed.ok());
    QSignalSpy reloaded(&model, &EventTableModel::reloaded);
    model.setFilter(*parsed.filter);
    QVERIFY(reloaded.wait(5000));
    QCOMPARE(model.rowCount(), rows);
    // Every row shown matches the filter (checked on the records themselves).
    for (int row = 0; row < model.rowCount(); ++row) {
        QTRY_VERIFY(model.recordAt(row) != nullptr);
        QVERIFY(parsed.filter->matches(*model.recordAt(row)));
    }
}

void TestEventTableModel::announcesNewEventsInBatches()
{
    LogFixture::OpenLog fixture = LogFixture::open();
    EventTableModel model(fixture.log.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    // 100 requests of 5 events arriving as fast as they can: far fewer announcements than requests.
    for (int i = 0; i < 100; ++i)
        fixture.log->append(LogFixture::records(i * 5, 5));
    QTRY_COMPARE(model.rowCount(), 500);
    QVERIFY2(inserted.size() <= 10, qPrintable(QString::number(inserted.size())));
    QCOMPARE(modelIds(model).size(), 500);
}

void TestEventTableModel::pauseKeepsEveryEvent()
{
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::records(0, 10));
    EventTableModel model(fixture.log.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE(model.rowCount(), 10);

    model.setPaused(true);
    QSignalSpy pending(&model, &EventTableModel::pendingCountChanged);
    for (int i = 0; i < 30; ++i)
        fixture.log->append(LogFixture::records(10 + i * 10, 10));
    QTRY_COMPARE(model.pendingCount(), 300);
    QCOMPARE(model.rowCount(), 10); // frozen
    QVERIFY(!pending.isEmpty());
    QCOMPARE(pending.last().first().toInt(), 300);

    model.setPaused(false);
    QCOMPARE(model.rowCount(), 310);
    QCOMPARE(model.pendingCount(), 0);
    // Every event, once, in order.
    const QList<qint64> ids = modelIds(model);
    for (int i = 1; i < ids.size(); ++i)
        QVERIFY(ids[i] > ids[i - 1]);
    LogQuery all;
    all.limit = 0;
    QCOMPARE(ids, fixture.log->ids(all));
}

void TestEventTableModel::cacheStaysBounded()
{
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::records(0, 10'000));
    fixture.log->flush();
    EventTableModel model(fixture.log.get());
    QTRY_COMPARE(model.rowCount(), 10'000);
    // Scroll through the whole table as a view would.
    for (int row = 0; row < model.rowCount(); row += 450) {
        QTRY_VERIFY(model.recordAt(row) != nullptr);
        QVERIFY(model.cachedCount() <= EventTableModel::cacheCapacity());
    }
    QTRY_VERIFY(model.recordAt(9'999) != nullptr);
    QCOMPARE(model.recordAt(9'999)->id, model.idAt(9'999));
}

void TestEventTableModel::sortsByColumnAndBack()
{
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::records(0, 200));
    fixture.log->flush();
    EventTableModel model(fixture.log.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE(model.rowCount(), 200);

    QSignalSpy reloaded(&model, &EventTableModel::reloaded);
    const int http = static_cast<int>(EventTableModel::Column::Http);
    model.sort(http, Qt::DescendingOrder);
    QVERIFY(reloaded.wait(5000));
    QCOMPARE(model.rowCount(), 200);
    for (int row = 0; row < 20; ++row) {
        QTRY_VERIFY(model.recordAt(row) != nullptr);
        QCOMPARE(model.recordAt(row)->httpStatus, 422);
    }
    QTRY_VERIFY(model.recordAt(20) != nullptr);
    QCOMPARE(model.recordAt(20)->httpStatus, 200);

    // Newest first streams in at the top.
    model.sort(static_cast<int>(EventTableModel::Column::ReceivedAt), Qt::DescendingOrder);
    QVERIFY(reloaded.wait(5000));
    const qint64 newest = model.idAt(0);
    fixture.log->append(LogFixture::records(200, 3));
    QTRY_COMPARE(model.rowCount(), 203);
    QVERIFY(model.idAt(0) > newest);
    QVERIFY(model.idAt(0) > model.idAt(1));
}

void TestEventTableModel::dropsRemovedRows()
{
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::records(0, 100));
    fixture.log->flush();
    EventTableModel model(fixture.log.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE(model.rowCount(), 100);
    // user-1 has 25 events, but 2 of them carry the invalid token instead.
    QCOMPARE(fixture.log->removeUserToken(QStringLiteral("user-1")), 23);
    QTRY_COMPARE(model.rowCount(), 77);
    fixture.log->remove(std::nullopt);
    QTRY_COMPARE(model.rowCount(), 0);
    // The table keeps streaming after a clear.
    fixture.log->append(LogFixture::records(100, 4));
    QTRY_COMPARE(model.rowCount(), 4);
}

void TestEventTableModel::followsRetentionTrims_data()
{
    QTest::addColumn<int>("order");
    QTest::addRow("oldest first") << static_cast<int>(Qt::AscendingOrder);
    QTest::addRow("newest first") << static_cast<int>(Qt::DescendingOrder);
}

void TestEventTableModel::followsRetentionTrims()
{
    QFETCH(int, order);
    LogFixture::OpenLog fixture = LogFixture::open(200);
    EventTableModel model(fixture.log.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reloaded(&model, &EventTableModel::reloaded);
    model.sort(static_cast<int>(EventTableModel::Column::ReceivedAt), static_cast<Qt::SortOrder>(order));
    QVERIFY(reloaded.wait(5000));
    for (int i = 0; i < 10; ++i) {
        fixture.log->append(LogFixture::records(i * 100, 100));
        fixture.log->flush();
    }
    // The log keeps its newest 200 (plus a trimming margin); the rows are exactly the log's records.
    LogQuery all;
    all.limit = 0;
    all.newestFirst = order == Qt::DescendingOrder;
    QTRY_COMPARE(model.rowCount(), static_cast<int>(fixture.log->count()));
    QVERIFY(model.rowCount() < 1000);
    QTRY_COMPARE(modelIds(model), fixture.log->ids(all));
}

void TestEventTableModel::showsAlgoliasVerdictWhenAttached_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<int>("order");
    QTest::addRow("time order") << static_cast<int>(EventTableModel::Column::ReceivedAt)
                                << static_cast<int>(Qt::AscendingOrder);
    QTest::addRow("sorted by user token")
        << static_cast<int>(EventTableModel::Column::UserToken) << static_cast<int>(Qt::DescendingOrder);
}

void TestEventTableModel::showsAlgoliasVerdictWhenAttached()
{
    QFETCH(int, column);
    QFETCH(int, order);
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::records(0, 40)); // requests req-0 .. req-9, 4 events each
    fixture.log->flush();
    EventTableModel model(fixture.log.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reloaded(&model, &EventTableModel::reloaded);
    model.sort(column, static_cast<Qt::SortOrder>(order));
    if (column != static_cast<int>(EventTableModel::Column::ReceivedAt))
        QVERIFY(reloaded.wait(5000));
    QTRY_COMPARE(model.rowCount(), 40);

    // Id 7 (req-1, #2) is on screen: its record is cached. Id 31 (req-7, #2) was never shown.
    const int shown = model.rowOfId(7);
    QVERIFY(shown >= 0);
    QTRY_VERIFY(model.recordAt(shown) != nullptr);
    QVERIFY(!model.recordAt(shown)->algoliaStatus);
    const QModelIndex status = model.index(shown, static_cast<int>(EventTableModel::Column::Status));
    QCOMPARE(model.data(status, Qt::ToolTipRole).toString(), QStringLiteral("OK"));

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    fixture.log->attachAlgoliaVerdicts(
        {{QStringLiteral("req-1"), 2, 422, {QStringLiteral("Invalid userToken")}},
         {QStringLiteral("req-7"), 2, 200, {}}});
    // The row updates in place: announced once its new version is in, never blank in between.
    QTRY_VERIFY(!changed.isEmpty());
    bool covered = false;
    for (const QList<QVariant>& args : changed) {
        const QModelIndex from = args.at(0).toModelIndex();
        const QModelIndex to = args.at(1).toModelIndex();
        covered = covered || (from.row() <= shown && shown <= to.row());
    }
    QVERIFY(covered);
    QVERIFY(model.recordAt(shown) != nullptr);
    QCOMPARE(model.recordAt(shown)->algoliaStatus, std::optional<int>(422));
    QCOMPARE(model.data(status, Qt::ToolTipRole).toString(),
             QStringLiteral("OK\nAlgolia: 422 — Invalid userToken"));
    // The local verdict stays what the endpoint decided; Algolia's status is shown beside it.
    QCOMPARE(model.data(status).toString(), QStringLiteral("Accepted · Algolia 422"));
    QCOMPARE(model.data(status, EventTableModel::VerdictRole).toInt(), static_cast<int>(Verdict::Accepted));

    const int later = model.rowOfId(31);
    QTRY_VERIFY(model.recordAt(later) != nullptr);
    QCOMPARE(model.recordAt(later)->algoliaStatus, std::optional<int>(200));
    QVERIFY(model.data(model.index(later, 0), Qt::ToolTipRole)
                .toString()
                .endsWith(QLatin1String("Algolia: 200 accepted")));
}

void TestEventTableModel::userTokenColumnsShowEachToken()
{
    // A logged-in visitor: userToken (anonymous) and authenticatedUserToken are two columns, each as sent;
    // the row still belongs to the authenticated user for filters and test user colours.
    LogFixture::OpenLog fixture = LogFixture::open();
    QVERIFY(fixture.log);
    QList<LogRecord> records = LogFixture::records(0, 2);
    records[1].userToken = QStringLiteral("anonymous-1");
    records[1].authenticatedUserToken = QStringLiteral("account-1");
    fixture.log->append(records);
    fixture.log->flush();
    EventTableModel model(fixture.log.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE(model.rowCount(), 2);
    const QModelIndex token = model.index(1, static_cast<int>(EventTableModel::Column::UserToken));
    QTRY_COMPARE(model.data(token).toString(), QStringLiteral("anonymous-1"));
    QCOMPARE(model.data(model.index(1, static_cast<int>(EventTableModel::Column::AuthenticatedUserToken)))
                 .toString(),
             QStringLiteral("account-1"));
    QCOMPARE(model.data(token, EventTableModel::UserTokenRole).toString(), QStringLiteral("account-1"));
    QCOMPARE(model.data(model.index(0, static_cast<int>(EventTableModel::Column::AuthenticatedUserToken)))
                 .toString(),
             QString());
    QCOMPARE(EventTableModel::columnName(EventTableModel::Column::AuthenticatedUserToken),
             QStringLiteral("Authenticated User Token"));
}

void TestEventTableModel::showsEachKindOfRecord()
{
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::everyKind());
    fixture.log->flush();
    EventTableModel model(fixture.log.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE(model.rowCount(), 7);
    using Column = EventTableModel::Column;
    const auto cell = [&model](int row, Column column, int role = Qt::DisplayRole) {
        return model.data(model.index(row, static_cast<int>(column)), role);
    };
    QTRY_VERIFY(model.recordAt(6) != nullptr);
    QTRY_VERIFY(model.recordAt(0) != nullptr);

    // A search reads as a search: its own status, its hits and query where an event's type and name are.
    QCOMPARE(cell(0, Column::Status).toString(), QStringLiteral("Search"));
    QCOMPARE(cell(0, Column::Status, EventTableModel::KindRole).toInt(),
             static_cast<int>(RecordKind::Search));
    QCOMPARE(cell(0, Column::EventType).toString(), QStringLiteral("43 hits"));
    QCOMPARE(cell(0, Column::EventName).toString(), QStringLiteral("“red shoes”"));
    QCOMPARE(cell(0, Column::Index).toString(), QStringLiteral("products"));
    QCOMPARE(cell(0, Column::UserToken).toString(), QStringLiteral("user-1"));
    QCOMPARE(cell(0, Column::Http).toInt(), 200);
    QCOMPARE(cell(0, Column::QueryId).toString(), QStringLiteral("q-red"));
    QCOMPARE(cell(0, Column::Status, Qt::ToolTipRole).toString(), QStringLiteral("43 hits · queryID q-red"));
    QCOMPARE(cell(1, Column::QueryId).toString(), QStringLiteral("q-red"));

    // The click and the view stay events.
    QCOMPARE(cell(1, Column::Status).toString(), QStringLiteral("Accepted"));
    QCOMPARE(cell(1, Column::EventType).toString(), QStringLiteral("click"));
    QCOMPARE(cell(1, Column::EventName).toString(), QStringLiteral("Hit Clicked"));
    QCOMPARE(cell(1, Column::Status, EventTableModel::KindRole).toInt(), static_cast<int>(RecordKind::Event));

    // A refused request: "Request rejected", its status, the request line and Algolia's message.
    QCOMPARE(cell(3, Column::Status).toString(), QStringLiteral("Request rejected"));
    QCOMPARE(cell(3, Column::Status, EventTableModel::VerdictRole).toInt(),
             static_cast<int>(Verdict::RequestRejected));
    QCOMPARE(cell(3, Column::Http).toInt(), 401);
    QCOMPARE(cell(3, Column::EventType).toString(), QStringLiteral("POST /1/events"));
    QCOMPARE(cell(3, Column::EventName).toString(), QStringLiteral("Invalid credentials"));
    QCOMPARE(cell(5, Column::EventType).toString(), QStringLiteral("POST /1/eventz"));
    QCOMPARE(cell(5, Column::EventName, Qt::ToolTipRole).toString(),
             QStringLiteral("POST /1/eventz · Not Found"));

    // Sorting by the event type column puts each kind by what it shows.
    QSignalSpy reloaded(&model, &EventTableModel::reloaded);
    model.sort(static_cast<int>(Column::Status), Qt::AscendingOrder);
    QVERIFY(reloaded.wait(5000));
    QTRY_VERIFY(model.recordAt(6) != nullptr);
    // Searches sort after every verdict.
    QCOMPARE(cell(5, Column::Status).toString(), QStringLiteral("Search"));
    QCOMPARE(cell(6, Column::Status).toString(), QStringLiteral("Search"));
}

void TestEventTableModel::kindAndQueryIdFiltersSelectRows_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<qint64>>("ids");
    QTest::addRow("all") << QString() << QList<qint64>{1, 2, 3, 4, 5, 6, 7};
    QTest::addRow("kind=search") << QStringLiteral("kind=search") << QList<qint64>{1, 5};
    QTest::addRow("kind=request") << QStringLiteral("kind=request") << QList<qint64>{4, 6};
    QTest::addRow("kind=event") << QStringLiteral("kind=event") << QList<qint64>{2, 3, 7};
    QTest::addRow("queryID") << QStringLiteral("queryID=q-red") << QList<qint64>{1, 2};
    QTest::addRow("queryID of events") << QStringLiteral("queryID=q-red kind=event") << QList<qint64>{2};
    QTest::addRow("query text") << QStringLiteral("\"red shoes\"") << QList<qint64>{1};
    QTest::addRow("request body") << QStringLiteral("second line") << QList<qint64>{6};
    QTest::addRow("refused 4XX") << QStringLiteral("status=4XX") << QList<qint64>{4, 6};
    QTest::addRow("user") << QStringLiteral("userToken=user-2") << QList<qint64>{5, 7};
}

void TestEventTableModel::kindAndQueryIdFiltersSelectRows()
{
    QFETCH(QString, text);
    QFETCH(QList<qint64>, ids);
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::everyKind());
    fixture.log->flush();
    EventTableModel model(fixture.log.get());
    QTRY_COMPARE(model.rowCount(), 7);
    const EventFilterParseResult parsed = EventFilter::parse(text);
    QVERIFY2(parsed.ok(), qPrintable(parsed.error));
    if (!parsed.filter->isEmpty()) {
        QSignalSpy reloaded(&model, &EventTableModel::reloaded);
        model.setFilter(*parsed.filter);
        QVERIFY(reloaded.wait(5000));
    }
    // The log's SQL and the filter's own rule agree.
    QCOMPARE(modelIds(model), ids);
    for (int row = 0; row < model.rowCount(); ++row) {
        QTRY_VERIFY(model.recordAt(row) != nullptr);
        QVERIFY(parsed.filter->matches(*model.recordAt(row)));
    }
}

QTEST_GUILESS_MAIN(TestEventTableModel)
#include "tst_eventtablemodel.moc"
