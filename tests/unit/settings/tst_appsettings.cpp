#include "settings/appsettings.h"
#include "stderrcapture.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
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
    void brokenFileIsKeptAsideWithWhatCouldBeRead();
    void unreadableFileIsReported();
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

void TestAppSettings::brokenFileIsKeptAsideWithWhatCouldBeRead()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("settings.ini"));
    // A hand edit gone wrong: the section header lost its bracket after the port was set.
    const QByteArray content = "[endpoint]\nport=9100\n[send\nappId=APP1\n";
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
    }
    StderrCapture stderrCapture;
    QString problem;
    {
        AppSettings settings(dir.path());
        problem = settings.loadProblem();
        // What could be read is kept in use.
        QCOMPARE(settings.endpointPort.value(), 9100);
        settings.target.setValue(QStringLiteral("de"));
        settings.sync();
    }
    const QString told = QString::fromLocal8Bit(stderrCapture.text());
    const QStringList aside =
        QDir(dir.path()).entryList({QStringLiteral("settings.ini.broken-*")}, QDir::Files);
    QCOMPARE(aside.size(), 1);
    QFile kept(dir.filePath(aside.constFirst()));
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), content);
    QVERIFY2(problem.contains(aside.constFirst()), qPrintable(problem));
    QVERIFY2(told.contains(aside.constFirst()), qPrintable(told));

    AppSettings reopened(dir.path());
    QVERIFY2(reopened.loadProblem().isEmpty(), qPrintable(reopened.loadProblem()));
    QCOMPARE(reopened.endpointPort.value(), 9100);
    QCOMPARE(reopened.target.value(), QStringLiteral("de"));
}

void TestAppSettings::unreadableFileIsReported()
{
    QTemporaryDir dir;
    // A folder where the file should be: unreadable whoever runs the test (root reads any file).
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("window-state.ini")));
    StderrCapture stderrCapture;
    WindowState state(dir.path());
    const QString told = QString::fromLocal8Bit(stderrCapture.text());
    QVERIFY2(state.loadProblem().contains(state.filePath()), qPrintable(state.loadProblem()));
    QVERIFY2(told.contains(state.filePath()), qPrintable(told));
    QCOMPARE(state.zoomPercent.value(), 100);
    QVERIFY(QFileInfo(state.filePath()).isDir());
    AppSettings settings(dir.path());
    QVERIFY(settings.loadProblem().isEmpty());
}

QTEST_GUILESS_MAIN(TestAppSettings)
#include "tst_appsettings.moc"
