// The desktop app started on a data folder whose files cannot be used: a broken test-users file, a broken
// templates file, a settings file with a broken section, and a saved catalog path that is a device. Nothing
// is lost, the start goes on, and the user is told on stderr and in the window.
#include "catalog/catalogset.h"
#include "composer/composerwidget.h"
#include "main/desktopsession.h"
#include "main/mainwindow.h"
#include "settings/appsettings.h"
#include "stderrcapture.h"
#include "users/testusermodel.h"

#include <QDir>
#include <QFile>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

class TestFilesAtStart final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void unusableFilesAreKeptAsideAndShown();
    void fineFilesShowNothing();

private:
    static std::unique_ptr<DesktopSession> open(const QString& dataDir);
};

std::unique_ptr<DesktopSession> TestFilesAtStart::open(const QString& dataDir)
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

namespace {

void writeFile(const QString& path, const QByteArray& content)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        qFatal("cannot write %s", qPrintable(path));
}

QStringList asideIn(const QString& dir, const QString& name)
{
    return QDir(dir).entryList({name + QStringLiteral(".broken-*")}, QDir::Files);
}

} // namespace

void TestFilesAtStart::unusableFilesAreKeptAsideAndShown()
{
    QTemporaryDir dir;
    const QByteArray users = R"({"version":1,"users":[{"id":"a","label":"Alice","userToken":"u-a"},{"id":"b)";
    writeFile(dir.filePath(QStringLiteral("test-users.json")), users);
    writeFile(dir.filePath(QStringLiteral("templates.json")), "{\"View\":");
    {
        QSettings raw(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        raw.setValue(QStringLiteral("catalog/files"), QStringList{QStringLiteral("zeros=/dev/zero")});
    }

    StderrCapture stderrCapture;
    auto session = open(dir.path());
    const QString told = QString::fromLocal8Bit(stderrCapture.text());
    QVERIFY(session);

    // The broken files are kept, byte for byte; the start went on with fresh ones.
    const QStringList usersAside = asideIn(dir.path(), QStringLiteral("test-users.json"));
    QCOMPARE(usersAside.size(), 1);
    QFile keptUsers(dir.filePath(usersAside.constFirst()));
    QVERIFY(keptUsers.open(QIODevice::ReadOnly));
    QCOMPARE(keptUsers.readAll(), users);
    QCOMPARE(asideIn(dir.path(), QStringLiteral("templates.json")).size(), 1);
    QCOMPARE(session->users()->rowCount(), 1); // a first run's user, in a new file
    QVERIFY(!session->catalogs()->find(QStringLiteral("zeros")));
    QVERIFY(session->catalogs()->find(QStringLiteral("movies")));

    // Told on stderr...
    QVERIFY2(told.contains(usersAside.constFirst()), qPrintable(told));
    QVERIFY2(told.contains(QLatin1String("templates.json.broken-")), qPrintable(told));
    QVERIFY2(told.contains(QLatin1String("/dev/zero is not a regular file")), qPrintable(told));

    // ...and in the window, which stays usable (the box is not modal).
    MainWindow* window = session->window();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window));
    auto* box = window->findChild<QMessageBox*>(QStringLiteral("fileProblemsBox"));
    QVERIFY(box);
    QTRY_VERIFY_WITH_TIMEOUT(box->isVisible(), 10'000);
    QVERIFY(!box->isModal());
    const QString shown = box->text();
    QVERIFY2(shown.contains(usersAside.constFirst()), qPrintable(shown));
    QVERIFY2(shown.contains(QLatin1String("templates.json.broken-")), qPrintable(shown));
    QVERIFY2(shown.contains(QLatin1String("Index zeros not loaded")) &&
                 shown.contains(QLatin1String("/dev/zero is not a regular file")),
             qPrintable(shown));
    QCOMPARE(session->fileProblems().size(), 2); // users and catalog; the templates come from the composer
    box->close();

    // A second start on the repaired folder has nothing to say about users or templates.
    session.reset();
    {
        QSettings raw(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        raw.remove(QStringLiteral("catalog/files"));
    }
    session = open(dir.path());
    QVERIFY(session);
    QVERIFY2(session->fileProblems().isEmpty(), qPrintable(session->fileProblems().join(u'\n')));
    QCOMPARE(session->users()->rowCount(), 1);
    QVERIFY(!session->window()->findChild<QMessageBox*>(QStringLiteral("fileProblemsBox")));
}

void TestFilesAtStart::fineFilesShowNothing()
{
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    QVERIFY(session->fileProblems().isEmpty());
    QVERIFY(!session->window()->findChild<QMessageBox*>(QStringLiteral("fileProblemsBox")));
    QVERIFY(asideIn(dir.path(), QStringLiteral("test-users.json")).isEmpty());
}

QTEST_MAIN(TestFilesAtStart)
#include "tst_filesatstart.moc"
