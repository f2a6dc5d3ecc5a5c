#include "client/insightsclient.h"
#include "composer/composerwidget.h"
#include "debugger/debuggerpanel.h"
#include "debugger/detailspane.h"
#include "faultserver.h"
#include "log/eventlog.h"
#include "log/recordbuilder.h"
#include "main/desktopsession.h"
#include "main/mainwindow.h"
#include "outbox/credentialsprompt.h"
#include "outbox/outboxpanel.h"
#include "secrets/secretstore.h"
#include "settings/appsettings.h"
#include "views/eventtablemodel.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QStatusBar>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <algorithm>

// The outbox dock as a tester meets it: events that cannot reach their target stay listed as failed
// batches, with the reason, also after the app restarts; Retry sends them again and, when that fails
// too, says so on the batch and above the list; Discard drops them.
class TestOutboxDock final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void failedBatchesSurviveARestartAndAreRetriedOrDiscarded();
    void undeliveredEventsReadNotDeliveredNeverRejected();
    void algoliaTargetWithoutCredentialsAsksForThem();

private:
    static std::unique_ptr<DesktopSession> open(const QString& dataDir);
    static quint16 closedLoopbackPort();
    static void giveUpAtOnce(InsightsClient* client);
    static QStringList itemTexts(const QListWidget* list);
    // The events requests a server received (not the feed's GETs).
    static QList<ReceivedRequest> posts(const FaultServer& server);
};

std::unique_ptr<DesktopSession> TestOutboxDock::open(const QString& dataDir)
{
    DesktopOptions options;
    options.dataDir = dataDir;
    options.port = 0;
    options.inMemorySecrets = true;
    DesktopSession::CreateResult created = DesktopSession::create(options);
    if (!created.session)
        qWarning("session: %s", qPrintable(created.error));
    return std::move(created.session);
}

quint16 TestOutboxDock::closedLoopbackPort()
{
    // A port that was free a moment ago and that nothing listens on now: connecting is refused.
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

void TestOutboxDock::giveUpAtOnce(InsightsClient* client)
{
    // One attempt, no backoff: the test does not wait a minute for the retries to run out.
    QMetaObject::invokeMethod(
        client,
        [client] {
            ClientOptions options = client->options();
            options.retry.maxAttempts = 1;
            client->setOptions(options);
        },
        Qt::BlockingQueuedConnection);
}

QStringList TestOutboxDock::itemTexts(const QListWidget* list)
{
    QStringList texts;
    for (int i = 0; i < list->count(); ++i)
        texts << list->item(i)->text();
    return texts;
}

QList<ReceivedRequest> TestOutboxDock::posts(const FaultServer& server)
{
    QList<ReceivedRequest> result;
    for (const ReceivedRequest& request : server.requests()) {
        if (request.method == "POST")
            result.append(request);
    }
    return result;
}

void TestOutboxDock::failedBatchesSurviveARestartAndAreRetriedOrDiscarded()
{
    QTemporaryDir dir;
    const quint16 port = closedLoopbackPort();
    QVERIFY(port != 0);
    const QString unreachable = QStringLiteral("http://127.0.0.1:%1").arg(port);
    {
        auto session = open(dir.path());
        QVERIFY(session);
        MainWindow* window = session->window();
        giveUpAtOnce(session->client());
        session->settings()->target.setValue(QStringLiteral("custom"));
        session->settings()->customTargetUrl.setValue(unreachable);
        window->applyTarget();
        auto* list = window->findChild<QListWidget*>(QStringLiteral("outboxList"));
        QVERIFY(list);
        // Two sends, two batches: the composer's example, then a second one.
        window->composer()->loadExample();
        window->composer()->send();
        QTRY_COMPARE_WITH_TIMEOUT(window->outboxPanel()->failedEvents(), 1, 20000);
        window->composer()->send();
        QTRY_COMPARE_WITH_TIMEOUT(window->outboxPanel()->failedEvents(), 2, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(list->count(), 2, 5000);
        auto* notice = window->findChild<QLabel*>(QStringLiteral("outboxNoticeLabel"));
        QVERIFY(notice->isVisibleTo(window->outboxPanel()));
        QVERIFY2(notice->text().contains(QLatin1String("not delivered")), qPrintable(notice->text()));
        session->window()->saveWindowState();
    }

    // The next run: the dock lists both failed batches, read from the outbox file, with their reason.
    std::unique_ptr<DesktopSession> session;
    MainWindow* window = nullptr;
    QDockWidget* dock = nullptr;
    QListWidget* list = nullptr;
    QLabel* notice = nullptr;
    QLabel* summary = nullptr;
    QPushButton* retry = nullptr;
    QPushButton* discard = nullptr;
    QAction* discardAll = nullptr;
    QAction* retryAction = nullptr;
    auto start = [&] {
        session.reset();
        session = open(dir.path());
        QVERIFY(session);
        window = session->window();
        giveUpAtOnce(session->client());
        dock = window->findChild<QDockWidget*>(QStringLiteral("outboxDock"));
        list = window->findChild<QListWidget*>(QStringLiteral("outboxList"));
        notice = window->findChild<QLabel*>(QStringLiteral("outboxNoticeLabel"));
        summary = window->findChild<QLabel*>(QStringLiteral("outboxSummaryLabel"));
        retry = window->findChild<QPushButton*>(QStringLiteral("outboxRetryButton"));
        discard = window->findChild<QPushButton*>(QStringLiteral("outboxDiscardButton"));
        discardAll = window->findChild<QAction*>(QStringLiteral("outboxDiscardAllAction"));
        retryAction = window->findChild<QAction*>(QStringLiteral("retryFailedAction"));
        QVERIFY(dock && list && notice && summary && retry && discard && discardAll && retryAction);
    };
    start();
    if (QTest::currentTestFailed())
        return;
    QTRY_COMPARE_WITH_TIMEOUT(list->count(), 2, 10000);
    QCOMPARE(window->outboxPanel()->failedEvents(), 2);
    QVERIFY(retryAction->isEnabled()); // not greyed out although the failures are from the last run
    QVERIFY2(dock->windowTitle().contains(QLatin1String("2 failed")), qPrintable(dock->windowTitle()));
    QVERIFY2(summary->text().contains(QLatin1String("2 events not delivered")), qPrintable(summary->text()));
    for (const QString& text : itemTexts(list)) {
        QVERIFY2(text.startsWith(QStringLiteral("Failed \u00b7 1 event \u00b7 ")), qPrintable(text));
        QVERIFY2(text.contains(unreachable), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("Not delivered: gave up after 1 attempts")), qPrintable(text));
    }
    QVERIFY(!retry->isEnabled()); // nothing selected
    QVERIFY(!discard->isEnabled());

    // Retry the first batch: the target is still unreachable, and the dock says so on that batch.
    list->item(0)->setSelected(true);
    QVERIFY(retry->isEnabled());
    QTest::mouseClick(retry, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(notice->text().contains(QLatin1String("Retry failed again")), 20000);
    QVERIFY2(notice->text().contains(QLatin1String("gave up after 1 attempts")), qPrintable(notice->text()));
    QVERIFY(notice->isVisibleTo(window->outboxPanel()));
    QTRY_VERIFY_WITH_TIMEOUT(
        list->count() == 2 && list->item(0)->text().startsWith(QLatin1String("Failed again")), 10000);
    QVERIFY2(list->item(0)->text().contains(QLatin1String("Retried 1 time, not delivered again: gave up")),
             qPrintable(list->item(0)->text()));
    QVERIFY(list->item(1)->text().startsWith(QStringLiteral("Failed \u00b7"))); // the other one untouched
    QCOMPARE(window->outboxPanel()->failedEvents(), 2);
    QVERIFY(list->item(0)->isSelected()); // the selection survives the refresh

    // Another restart: the batch still reads as retried and failed again, with the last reason (the count
    // is kept with the batch in the outbox file, not in this process's memory).
    session->window()->saveWindowState();
    start();
    if (QTest::currentTestFailed())
        return;
    QTRY_COMPARE_WITH_TIMEOUT(list->count(), 2, 10000);
    QVERIFY2(list->item(0)->text().startsWith(QLatin1String("Failed again")),
             qPrintable(list->item(0)->text()));
    QVERIFY2(list->item(0)->text().contains(
                 QLatin1String("Retried 1 time, not delivered again: gave up after 1 attempts")),
             qPrintable(list->item(0)->text()));
    QVERIFY2(list->item(1)->text().startsWith(QStringLiteral("Failed \u00b7")),
             qPrintable(list->item(1)->text()));
    QCOMPARE(window->outboxPanel()->failedEvents(), 2);

    // Discard the second batch: it leaves the outbox.
    list->clearSelection();
    list->item(1)->setSelected(true);
    QTest::mouseClick(discard, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(list->count(), 1, 10000);
    QVERIFY(list->item(0)->text().startsWith(QLatin1String("Failed again")));
    QTRY_COMPARE(window->outboxPanel()->failedEvents(), 1);

    // Discard all failed: the dock is empty and says what it is for.
    QVERIFY(discardAll->isEnabled());
    discardAll->trigger(); // All failed > Discard all failed
    QTRY_COMPARE_WITH_TIMEOUT(window->outboxPanel()->batchCount(), 0, 10000);
    QVERIFY(!list->isVisibleTo(window->outboxPanel()));
    QVERIFY(
        window->findChild<QLabel*>(QStringLiteral("outboxEmptyLabel"))->isVisibleTo(window->outboxPanel()));
    QVERIFY(!retryAction->isEnabled());
    QCOMPARE(dock->windowTitle(), QStringLiteral("Queue"));

    // Nothing comes back at the next start.
    session.reset();
    session = open(dir.path());
    QVERIFY(session);
    QTRY_VERIFY(session->window()->outboxPanel()->isListed()); // the first snapshot came back
    QCOMPARE(session->window()->outboxPanel()->batchCount(), 0);
    QCOMPARE(session->window()->findChild<QListWidget*>(QStringLiteral("outboxList"))->count(), 0);
}

void TestOutboxDock::undeliveredEventsReadNotDeliveredNeverRejected()
{
    QTemporaryDir dir;
    const quint16 port = closedLoopbackPort();
    QVERIFY(port != 0);
    auto session = open(dir.path());
    QVERIFY(session);
    MainWindow* window = session->window();
    giveUpAtOnce(session->client());
    session->settings()->target.setValue(QStringLiteral("custom"));
    session->settings()->customTargetUrl.setValue(QStringLiteral("http://127.0.0.1:%1").arg(port));
    window->applyTarget();
    QTableView* table = window->debuggerPanel()->tableView();
    const int before = table->model()->rowCount();
    window->composer()->loadExample();
    window->composer()->send();
    // The client logs the event it could not deliver: a row of its own in the live table.
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), before + 1, 20000);
    const int row = table->model()->rowCount() - 1;
    const QModelIndex status = table->model()->index(row, static_cast<int>(EventTableModel::Column::Status));
    const QModelIndex http = table->model()->index(row, static_cast<int>(EventTableModel::Column::Http));
    QTRY_COMPARE(status.data().toString(), QStringLiteral("Not delivered"));
    QCOMPARE(http.data().toString(), QStringLiteral("\u2014")); // no answer: not "0"
    QCOMPARE(status.data(EventTableModel::VerdictRole).toInt(), static_cast<int>(Verdict::NotDelivered));

    // Its details say why, and nothing calls it rejected.
    table->setCurrentIndex(status);
    DetailsPane* details = window->debuggerPanel()->detailsPane();
    const qint64 id = status.data(EventTableModel::RecordIdRole).toLongLong();
    QTRY_COMPARE(details->recordId(), id);
    auto* summary = details->findChild<QLabel*>(QStringLiteral("detailsSummary"));
    QVERIFY2(summary->text().contains(QStringLiteral("not delivered (\u2014)")), qPrintable(summary->text()));
    QVERIFY2(summary->text().contains(QStringLiteral("HTTP \u2014")), qPrintable(summary->text()));
    QVERIFY2(summary->text().contains(QLatin1String("Not delivered: gave up after 1 attempts")),
             qPrintable(summary->text()));
    QVERIFY2(!summary->text().contains(QLatin1String("ejected")), qPrintable(summary->text()));
    QVERIFY2(!summary->text().contains(QLatin1String("Algolia's answer")), qPrintable(summary->text()));
    auto* usefulness = details->findChild<QTreeWidget*>(QStringLiteral("detailsUsefulness"));
    QVERIFY(usefulness->topLevelItemCount() > 0);
    for (int i = 0; i < usefulness->topLevelItemCount(); ++i) {
        const QString why = usefulness->topLevelItem(i)->text(2);
        QVERIFY2(why.startsWith(QStringLiteral("Not delivered (HTTP \u2014): it never reached Algolia")),
                 qPrintable(why));
        QVERIFY2(!why.contains(QLatin1String("ejected")), qPrintable(why));
    }
    // The record itself: status 0, not accepted, the reason as its message.
    const QList<LogRecord> records = session->log()->query(LogQuery{});
    const auto found =
        std::find_if(records.cbegin(), records.cend(), [id](const LogRecord& r) { return r.id == id; });
    QVERIFY(found != records.cend());
    const LogRecord& record = *found;
    QCOMPARE(record.httpStatus, 0);
    QVERIFY(!record.accepted);
    QVERIFY(record.message.startsWith(QLatin1String("gave up after 1 attempts; last: network error")));
}

void TestOutboxDock::algoliaTargetWithoutCredentialsAsksForThem()
{
    QTemporaryDir dir;
    FaultServer algolia; // a local stand-in for Algolia's hosts
    QVERIFY(algolia.listen());
    algolia.setFallback(FaultAction::ok());
    DesktopOptions options;
    options.dataDir = dir.path();
    options.port = 0;
    options.inMemorySecrets = true;
    ClientHosts hosts;
    hosts.insightsUs = algolia.url();
    hosts.insightsDe = algolia.url();
    hosts.insightsGlobal = algolia.url();
    options.algoliaHosts = hosts;
    auto session = DesktopSession::create(options).session;
    QVERIFY(session);
    MainWindow* window = session->window();
    window->show();
    auto prompt = [window] {
        return window->findChild<CredentialsPrompt*>(QStringLiteral("credentialsPrompt"));
    };
    QVERIFY(!prompt());

    // Choosing Algolia (US) with no application ID asks for the credentials at once.
    auto* target = window->findChild<QComboBox*>(QStringLiteral("targetCombo"));
    target->setCurrentIndex(target->findData(QStringLiteral("us")));
    QTRY_VERIFY(prompt() && prompt()->isVisible());
    QTest::mouseClick(prompt()->findChild<QPushButton*>(QStringLiteral("credentialsCancelButton")),
                      Qt::LeftButton);
    QTRY_VERIFY(!prompt());

    // Sending without them asks again instead of sending: nothing reaches the target, nothing is queued.
    window->composer()->loadExample();
    window->composer()->send();
    QTRY_VERIFY(prompt() && prompt()->isVisible());
    auto* save = prompt()->findChild<QPushButton*>(QStringLiteral("credentialsSaveButton"));
    QVERIFY(!save->isEnabled()); // both are needed
    QTest::mouseClick(prompt()->findChild<QPushButton*>(QStringLiteral("credentialsCancelButton")),
                      Qt::LeftButton);
    QTRY_VERIFY(!prompt());
    QVERIFY2(window->statusBar()->currentMessage().startsWith(QLatin1String("Not sent: Algolia (US) needs")),
             qPrintable(window->statusBar()->currentMessage()));
    QVERIFY(posts(algolia).isEmpty());

    // Entered and saved: the event goes, with the key, and the key is in the secret store, not the settings.
    window->composer()->send();
    QTRY_VERIFY(prompt() && prompt()->isVisible());
    prompt()->findChild<QLineEdit*>(QStringLiteral("credentialsAppIdEdit"))->setText(QStringLiteral("APP9"));
    prompt()
        ->findChild<QLineEdit*>(QStringLiteral("credentialsApiKeyEdit"))
        ->setText(QStringLiteral("key-9"));
    save = prompt()->findChild<QPushButton*>(QStringLiteral("credentialsSaveButton"));
    QVERIFY(save->isEnabled());
    QTest::mouseClick(save, Qt::LeftButton);
    QTRY_VERIFY(!prompt());
    // (Algolia's debugger feed is polled too, with GET, once the key is known: not counted here.)
    QTRY_COMPARE_WITH_TIMEOUT(posts(algolia).size(), 1, 15000);
    const ReceivedRequest request = posts(algolia).constFirst();
    QCOMPARE(request.target, QByteArray("/1/events"));
    QCOMPARE(request.headers.value("x-algolia-application-id"), QByteArray("APP9"));
    QCOMPARE(request.headers.value("x-algolia-api-key"), QByteArray("key-9"));
    QCOMPARE(session->settings()->appId.value(), QStringLiteral("APP9"));
    std::optional<QString> stored;
    bool read = false;
    session->secrets()->readApiKey(QStringLiteral("APP9"), window, [&](const SecretResult& result) {
        stored = result.value;
        read = true;
    });
    QTRY_VERIFY(read);
    QCOMPARE(stored, std::optional<QString>(QStringLiteral("key-9")));

    // With the credentials known, the next send goes straight away.
    window->composer()->send();
    QTRY_COMPARE_WITH_TIMEOUT(posts(algolia).size(), 2, 15000);
    QCOMPARE(posts(algolia).at(1).headers.value("x-algolia-api-key"), QByteArray("key-9"));
    QVERIFY(!prompt());
}

QTEST_MAIN(TestOutboxDock)
#include "tst_outboxdock.moc"
