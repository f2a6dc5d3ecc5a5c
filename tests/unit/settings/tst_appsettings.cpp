#include "settings/appsettings.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

class TestAppSettings final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsApplyToAFreshFolder();
    void valuesPersistInTheDataFolder();
    void windowStateIsKeptApart();
    void eventNameHistoryIsMostRecentFirstAndCapped();
    void unreadableValueFallsBackToDefault();
};

void TestAppSettings::defaultsApplyToAFreshFolder()
{
    QTemporaryDir dir;
    AppSettings settings(dir.path());
    QCOMPARE(settings.target.value(), QStringLiteral("local"));
    QCOMPARE(settings.endpointPort.value(), 8421);
    QCOMPARE(settings.endpointBindAddress.value(), QStringLiteral("127.0.0.1"));
    QCOMPARE(settings.compatibilityProfile.value(), QStringLiteral("current"));
    QCOMPARE(settings.defaultIndex.value(), QStringLiteral("movies"));
    QCOMPARE(settings.pollAlgoliaFeed.value(), true);
    QVERIFY(!settings.target.isSet());
    QVERIFY(settings.filePath().startsWith(dir.path()));
}

void TestAppSettings::valuesPersistInTheDataFolder()
{
    QTemporaryDir dir;
    {
        AppSettings settings(dir.path());
        QSignalSpy changed(&settings, &AppSettings::changed);
        settings.target.setValue(QStringLiteral("de"));
        settings.endpointPort.setValue(9000);
        settings.logRetention.setValue(5000);
        settings.pollAlgoliaFeed.setValue(false);
        settings.sync();
        QCOMPARE(changed.count(), 1);
    }
    AppSettings reopened(dir.path());
    QCOMPARE(reopened.target.value(), QStringLiteral("de"));
    QCOMPARE(reopened.endpointPort.value(), 9000);
    QCOMPARE(reopened.logRetention.value(), 5000);
    QCOMPARE(reopened.pollAlgoliaFeed.value(), false);
    // Setting the default again removes the key, so a later default change applies.
    reopened.target.setValue(QStringLiteral("local"));
    QVERIFY(!reopened.target.isSet());
}

void TestAppSettings::windowStateIsKeptApart()
{
    QTemporaryDir dir;
    {
        WindowState state(dir.path());
        state.geometry.setValue(QByteArrayLiteral("geometry-bytes"));
        state.selectedUserId.setValue(QStringLiteral("user-1"));
    }
    AppSettings settings(dir.path());
    WindowState state(dir.path());
    QVERIFY(settings.filePath() != state.filePath());
    QCOMPARE(state.geometry.value(), QByteArrayLiteral("geometry-bytes"));
    QCOMPARE(state.selectedUserId.value(), QStringLiteral("user-1"));
    QFile preferences(settings.filePath());
    if (preferences.open(QIODevice::ReadOnly))
        QVERIFY(!preferences.readAll().contains("geometry"));
}

void TestAppSettings::eventNameHistoryIsMostRecentFirstAndCapped()
{
    QTemporaryDir dir;
    AppSettings settings(dir.path());
    for (int i = 0; i < AppSettings::kEventNameHistorySize + 5; ++i)
        settings.rememberEventName(QStringLiteral("Event %1").arg(i));
    settings.rememberEventName(QStringLiteral("Event 10"));
    const QStringList names = settings.eventNameHistory.value();
    QCOMPARE(names.size(), AppSettings::kEventNameHistorySize);
    QCOMPARE(names.constFirst(), QStringLiteral("Event 10"));
    QCOMPARE(names.count(QStringLiteral("Event 10")), 1);
    settings.rememberEventName(QStringLiteral("   "));
    QCOMPARE(settings.eventNameHistory.value().constFirst(), QStringLiteral("Event 10"));
}

void TestAppSettings::unreadableValueFallsBackToDefault()
{
    QTemporaryDir dir;
    {
        QSettings raw(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        raw.setValue(QStringLiteral("endpoint/port"), QStringLiteral("not a number"));
    }
    AppSettings settings(dir.path());
    // A hand-edited, unreadable number falls back to the default instead of becoming port 0.
    QCOMPARE(settings.endpointPort.value(), 8421);
}

QTEST_GUILESS_MAIN(TestAppSettings)
#include "tst_appsettings.moc"
