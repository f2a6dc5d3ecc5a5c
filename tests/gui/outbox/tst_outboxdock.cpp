#include "client/insightsclient.h"
#include "composer/composerwidget.h"
#include "main/desktopsession.h"
#include "main/mainwindow.h"
#include "outbox/outboxpanel.h"
#include "settings/appsettings.h"

#include <QAction>
#include <QDockWidget>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

// The outbox dock as a tester meets it: events that cannot reach their target stay listed as failed
// batches, with the reason, also after the app restarts; Retry sends them again and, when that fails
// too, says so on the batch and above the list; Discard drops them.
class TestOutboxDock final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void failedBatchesSurviveARestartAndAreRetriedOrDiscarded();

private:
    static std::unique_ptr<DesktopSession> open(const QString& dataDir);
    static quint16 closedLoopbackPort();
    static void giveUpAtOnce(InsightsClient* client);
    static QStringList itemTexts(const QListWidget* list);
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
    auto session = open(dir.path());
    QVERIFY(session);
    MainWindow* window = session->window();
    giveUpAtOnce(session->client());
    auto* dock = window->findChild<QDockWidget*>(QStringLiteral("outboxDock"));
    auto* list = window->findChild<QListWidget*>(QStringLiteral("outboxList"));
    auto* notice = window->findChild<QLabel*>(QStringLiteral("outboxNoticeLabel"));
    auto* summary = window->findChild<QLabel*>(QStringLiteral("outboxSummaryLabel"));
    auto* retry = window->findChild<QPushButton*>(QStringLiteral("outboxRetryButton"));
    auto* discard = window->findChild<QPushButton*>(QStringLiteral("outboxDiscardButton"));
    auto* discardAll = window->findChild<QAction*>(QStringLiteral("outboxDiscardAllAction"));
    auto* retryAction = window->findChild<QAction*>(QStringLiteral("retryFailedAction"));
    QVERIFY(dock && list && notice && summary && retry && discard && discardAll && retryAction);
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

QTEST_MAIN(TestOutboxDock)
#include "tst_outboxdock.moc"
