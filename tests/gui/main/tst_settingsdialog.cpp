#include "composer/composerwidget.h"
#include "event/eventkind.h"
#include "log/eventlog.h"
#include "main/desktopsession.h"
#include "main/mainwindow.h"
#include "main/settingsdialog.h"
#include "secrets/secretstore.h"
#include "settings/appsettings.h"

#include "logwait.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDeadlineTimer>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

class TestSettingsDialog final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void valuesAreSavedAndKeysNeverInTheSettingsFile();
    void requiredCredentialsAreEnforcedAndUsedBySend();
    void profileChangesTheComposersVerdict();

private:
    static std::unique_ptr<DesktopSession> open(const QString& dataDir);
    static void clickOk(SettingsDialog* dialog);
};

std::unique_ptr<DesktopSession> TestSettingsDialog::open(const QString& dataDir)
{
    DesktopOptions options;
    options.dataDir = dataDir;
    options.port = 0;
    options.inMemorySecrets = true;
    return std::move(DesktopSession::create(options).session);
}

void TestSettingsDialog::clickOk(SettingsDialog* dialog)
{
    auto* buttons = dialog->findChild<QDialogButtonBox*>();
    QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
}

void TestSettingsDialog::valuesAreSavedAndKeysNeverInTheSettingsFile()
{
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    SettingsDialog* dialog = session->window()->showSettings();
    auto* key = dialog->findChild<QLineEdit*>(QStringLiteral("apiKeyEdit"));
    QCOMPARE(key->echoMode(), QLineEdit::Password);
    auto* target = dialog->findChild<QComboBox*>(QStringLiteral("settingsTargetCombo"));
    target->setCurrentIndex(target->findData(QStringLiteral("de")));
    dialog->findChild<QLineEdit*>(QStringLiteral("appIdEdit"))->setText(QStringLiteral("APP1"));
    key->setText(QStringLiteral("very-secret-admin-key"));
    dialog->findChild<QSpinBox*>(QStringLiteral("retentionSpin"))->setValue(5000);
    // Polling Algolia's debugger feed is on by default; turned off here (this test has no Algolia to ask).
    auto* pollFeed = dialog->findChild<QCheckBox*>(QStringLiteral("pollAlgoliaFeedCheck"));
    QVERIFY(pollFeed);
    QVERIFY(pollFeed->isChecked());
    pollFeed->setChecked(false);
    clickOk(dialog);

    AppSettings* settings = session->settings();
    QCOMPARE(settings->target.value(), QStringLiteral("de"));
    QCOMPARE(settings->appId.value(), QStringLiteral("APP1"));
    QCOMPARE(settings->logRetention.value(), 5000);
    QCOMPARE(session->log()->retention(), 5000);
    QCOMPARE(settings->pollAlgoliaFeed.value(), false);
    QCOMPARE(
        session->window()->findChild<QComboBox*>(QStringLiteral("targetCombo"))->currentData().toString(),
        QStringLiteral("de"));
    // The key went to the secret store, nowhere else.
    std::optional<QString> stored;
    bool answered = false;
    session->secrets()->readApiKey(QStringLiteral("APP1"), this, [&](const SecretResult& result) {
        stored = result.value;
        answered = true;
    });
    QTRY_VERIFY(answered);
    QCOMPARE(stored, std::optional<QString>(QStringLiteral("very-secret-admin-key")));
    QFile file(settings->filePath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray ini = file.readAll();
    QVERIFY(ini.contains("APP1"));
    QVERIFY(!ini.contains("very-secret-admin-key"));

    // Reopened, the dialog shows the stored key masked.
    SettingsDialog* again = session->window()->showSettings();
    auto* status = again->findChild<QLabel*>(QStringLiteral("apiKeyStatus"));
    QTRY_VERIFY(status->text().startsWith(QLatin1String("Stored:")));
    QVERIFY(status->text().endsWith(QLatin1String("-key")) || status->text().contains(QChar(0x2022)));
    QVERIFY(!status->text().contains(QLatin1String("very-secret")));
    QVERIFY(!again->findChild<QCheckBox*>(QStringLiteral("pollAlgoliaFeedCheck"))->isChecked());
    again->close();
    // With the setting off, the target "de" and a key, the feed stays off.
    QVERIFY(!session->isAlgoliaFeedRunning());
}

void TestSettingsDialog::requiredCredentialsAreEnforcedAndUsedBySend()
{
    QTemporaryDir dir;
    QString firstBase;
    {
        auto session = open(dir.path());
        QVERIFY(session);
        firstBase = session->endpointBaseUrl();
        SettingsDialog* dialog = session->window()->showSettings();
        dialog->findChild<QLineEdit*>(QStringLiteral("requiredAppIdEdit"))
            ->setText(QStringLiteral("LOCALAPP"));
        dialog->findChild<QLineEdit*>(QStringLiteral("requiredApiKeyEdit"))
            ->setText(QStringLiteral("local-key"));
        clickOk(dialog);
        QVERIFY2(!session->endpointBaseUrl().isEmpty(), qPrintable(session->endpointError()));

        // The app's own sends carry the required pair and are accepted.
        ComposerWidget* composer = session->window()->composer();
        composer->loadExample();
        composer->findChild<QComboBox*>(QStringLiteral("eventNameEdit"))
            ->setCurrentText(QStringLiteral("With Key"));
        composer->send();
        LogQuery query;
        query.eventName = QStringLiteral("With Key");
        QVERIFY(waitForRecords(session->log(), query, 1));
        QCOMPARE(session->log()->query(query).constFirst().httpStatus, 200);
        QCOMPARE(session->log()->query(query).constFirst().appId, QStringLiteral("LOCALAPP"));
        QFile ini(session->settings()->filePath());
        QVERIFY(ini.open(QIODevice::ReadOnly));
        const QByteArray text = ini.readAll();
        QVERIFY(text.contains("LOCALAPP"));
        QVERIFY(!text.contains("local-key"));
    }
    // A new session with an empty secret store has no key for LOCALAPP: the endpoint stays off instead of
    // accepting anyone, and says why.
    auto session = open(dir.path());
    QVERIFY(session);
    QTRY_VERIFY(!session->endpointError().isEmpty());
    QVERIFY(session->endpointBaseUrl().isEmpty());
    QVERIFY(session->endpointError().contains(QLatin1String("LOCALAPP")));
    auto* label = session->window()->findChild<QLabel*>(QStringLiteral("endpointAddressLabel"));
    QTRY_COMPARE(label->text(), QStringLiteral("Endpoint off"));
}

void TestSettingsDialog::profileChangesTheComposersVerdict()
{
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    ComposerWidget* composer = session->window()->composer();
    auto* kind = composer->findChild<QComboBox*>(QStringLiteral("kindCombo"));
    kind->setCurrentIndex(kind->findText(eventKindInfo(EventKind::InstantSearch).name));
    composer->findChild<QComboBox*>(QStringLiteral("eventNameEdit"))
        ->setCurrentText(QStringLiteral("Agent Event"));
    QVERIFY2(composer->verdict().accepted(), qPrintable(composer->verdict().message));

    SettingsDialog* dialog = session->window()->showSettings();
    dialog->findChild<QComboBox*>(QStringLiteral("profileCombo"))
        ->setCurrentText(QStringLiteral("legacy-2025"));
    clickOk(dialog);
    // legacy-2025 predates eventType "instantsearch".
    QVERIFY(!composer->verdict().accepted());
    auto* issue = composer->findChild<QLabel*>(QStringLiteral("eventTypeIssue"));
    QVERIFY(issue->isVisibleTo(composer));
    QVERIFY2(issue->text().contains(QLatin1String("EventType must be one of")), qPrintable(issue->text()));
}

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"
