// One data folder for every command (issue 9 §2): with no --data-dir, the desktop app, serve, send and check
// use $XDG_DATA_HOME/insights-debugger, share one event log there, and say so in their --help. The real
// executable runs with XDG_DATA_HOME and HOME pointed at a temporary folder, never the user's.

#include "datafolder/datafolder.h"
#include "log/eventlog.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

QString exe()
{
    return qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE");
}

QByteArray withoutSpace(QByteArray text)
{
    text.replace(' ', "").replace('\n', "").replace('\t', "");
    return text;
}

} // namespace

class TestDataFolder final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void defaultIsUnderXdgDataHome();
    void requestedFolderIsMadeAbsoluteAndCreated();
    void everyCommandUsesTheDefault();
    void helpNamesTheDefault_data();
    void helpNamesTheDefault();

private:
    QProcessEnvironment environment() const;
    QString expectedFolder() const { return m_dir.filePath(QStringLiteral("xdg/insights-debugger")); }

    QTemporaryDir m_dir;
};

void TestDataFolder::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(!exe().isEmpty());
    QVERIFY(QDir().mkpath(m_dir.filePath(QStringLiteral("home"))));
}

QProcessEnvironment TestDataFolder::environment() const
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("xdg")));
    environment.insert(QStringLiteral("HOME"), m_dir.filePath(QStringLiteral("home")));
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("home/.config")));
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    environment.remove(QStringLiteral("ALGOLIA_API_KEY"));
    return environment;
}

void TestDataFolder::defaultIsUnderXdgDataHome()
{
    const QByteArray saved = qgetenv("XDG_DATA_HOME");
    qputenv("XDG_DATA_HOME", m_dir.filePath(QStringLiteral("xdg")).toUtf8());
    const QString path = DataFolder::defaultPath();
    qputenv("XDG_DATA_HOME", saved);
    QCOMPARE(path, expectedFolder());
}

void TestDataFolder::requestedFolderIsMadeAbsoluteAndCreated()
{
    const QString previous = QDir::currentPath();
    QVERIFY(QDir::setCurrent(m_dir.path()));
    const DataFolder::Resolved resolved = DataFolder::resolve(QStringLiteral("relative/data"));
    QDir::setCurrent(previous);
    QVERIFY2(resolved.error.isEmpty(), qPrintable(resolved.error));
    QCOMPARE(resolved.path, QDir::cleanPath(m_dir.filePath(QStringLiteral("relative/data"))));
    QVERIFY(QFileInfo(resolved.path).isDir());
    QCOMPARE(DataFolder::eventLogPath(resolved.path), resolved.path + QStringLiteral("/events.sqlite"));

    // A folder that cannot be created is an error naming it.
    QFile blocker(m_dir.filePath(QStringLiteral("a-file")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const DataFolder::Resolved refused = DataFolder::resolve(m_dir.filePath(QStringLiteral("a-file/data")));
    QVERIFY(refused.path.isEmpty());
    QVERIFY2(refused.error.contains(m_dir.filePath(QStringLiteral("a-file/data"))),
             qPrintable(refused.error));
}

void TestDataFolder::everyCommandUsesTheDefault()
{
    // serve, with no --data-dir.
    QProcess serve;
    serve.setProcessEnvironment(environment());
    serve.start(exe(), {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                        QStringLiteral("--quiet")});
    QByteArray serveOut;
    QVERIFY(QTest::qWaitFor(
        [&] {
            serveOut += serve.readAllStandardOutput();
            return serveOut.contains('\n') || serve.state() == QProcess::NotRunning;
        },
        60000));
    const QRegularExpressionMatch listening =
        QRegularExpression(QStringLiteral("listening on (http://\\S+)")).match(QString::fromUtf8(serveOut));
    QVERIFY2(listening.hasMatch(), serveOut.constData());

    // send to that serve, with no --data-dir: its outbox lands in the same folder.
    const QString input = m_dir.filePath(QStringLiteral("event.json"));
    {
        QFile file(input);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"eventType\":\"view\",\"eventName\":\"Viewed\",\"index\":\"products\","
                   "\"userToken\":\"data-folder-user\",\"objectIDs\":[\"o1\"]}\n");
    }
    QProcess send;
    send.setProcessEnvironment(environment());
    send.start(exe(), {QStringLiteral("send"), input, QStringLiteral("--to"), QStringLiteral("local"),
                       QStringLiteral("--local-url"), listening.captured(1), QStringLiteral("--app-id"),
                       QStringLiteral("APP"), QStringLiteral("--api-key"), QStringLiteral("key"),
                       QStringLiteral("--quiet")});
    QVERIFY(send.waitForFinished(60000));
    QVERIFY2(send.exitCode() == 0, send.readAllStandardError().constData());

    serve.terminate();
    QVERIFY(serve.waitForFinished(30000));
    QCOMPARE(serve.exitCode(), 0);

    // The desktop app, with no --data-dir (a screenshot run: in-memory secrets, any free port).
    QProcess desktop;
    desktop.setProcessEnvironment(environment());
    desktop.start(exe(), {QStringLiteral("--screenshot"), m_dir.filePath(QStringLiteral("shot.png"))});
    QVERIFY(desktop.waitForFinished(120000));
    QVERIFY2(desktop.exitCode() == 0, desktop.readAllStandardError().constData());

    const QDir folder(expectedFolder());
    QVERIFY2(folder.exists(QStringLiteral("events.sqlite")), qPrintable(folder.path()));
    QVERIFY(folder.exists(QStringLiteral("send-outbox.sqlite")));
    QVERIFY(folder.exists(QStringLiteral("settings.ini")) ||
            folder.exists(QStringLiteral("test-users.json")));
    // Not the folder Qt would derive from organisation + application names.
    QVERIFY(!folder.exists(QStringLiteral("insights-debugger")));
    QVERIFY(!QDir(m_dir.filePath(QStringLiteral("home/.local"))).exists());

    // One log: the event serve received from send is in it, beside what the desktop logged.
    EventLogOptions options;
    options.path = folder.filePath(QStringLiteral("events.sqlite"));
    EventLog::OpenResult opened = EventLog::open(options);
    QVERIFY2(opened.log, qPrintable(opened.error));
    LogQuery byUser;
    byUser.userToken = QStringLiteral("data-folder-user");
    QCOMPARE(opened.log->count(byUser), qint64(1));
    QVERIFY(opened.log->count() > 1);
}

void TestDataFolder::helpNamesTheDefault_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addRow("insights-debugger --help") << QStringList{QStringLiteral("--help")};
    QTest::addRow("serve --help") << QStringList{QStringLiteral("serve"), QStringLiteral("--help")};
    QTest::addRow("send --help") << QStringList{QStringLiteral("send"), QStringLiteral("--help")};
    QTest::addRow("check --help") << QStringList{QStringLiteral("check"), QStringLiteral("--help")};
}

void TestDataFolder::helpNamesTheDefault()
{
    QFETCH(QStringList, arguments);
    QProcess process;
    process.setProcessEnvironment(environment());
    process.start(exe(), arguments);
    QVERIFY(process.waitForFinished(30000));
    QCOMPARE(process.exitCode(), 0);
    const QByteArray help = process.readAllStandardOutput();
    // Help text is wrapped at spaces: compare without them.
    QVERIFY2(withoutSpace(help).contains(withoutSpace(expectedFolder().toUtf8())), help.constData());
}

QTEST_GUILESS_MAIN(TestDataFolder)
#include "tst_datafolder.moc"
