#include "stderrcapture.h"
#include "users/testusermodel.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

class TestTestUserModel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void anonymousTokenHasSearchInsightsShape();
    void createRenameLogInOutRotate();
    void persistsAcrossInstances();
    void globalUserFollowsRemoval();
    void personalDataTokenIsFlagged_data();
    void personalDataTokenIsFlagged();
    void brokenFileIsKeptAsideWithAMessage_data();
    void brokenFileIsKeptAsideWithAMessage();
    void unreadableFileIsReportedAndNeverReplaced_data();
    void unreadableFileIsReportedAndNeverReplaced();
    void duplicateIdsAreReadOnce();
};

void TestTestUserModel::anonymousTokenHasSearchInsightsShape()
{
    const QRegularExpression shape(
        QStringLiteral("^anonymous-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"));
    const QString first = TestUserModel::newAnonymousToken();
    QVERIFY2(shape.match(first).hasMatch(), qPrintable(first));
    QVERIFY(first != TestUserModel::newAnonymousToken());
}

void TestTestUserModel::createRenameLogInOutRotate()
{
    QTemporaryDir dir;
    TestUserModel model(dir.filePath(QStringLiteral("users.json")));
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);

    const QString alice = model.create(QStringLiteral("Alice"));
    const QString bob = model.create(QString());
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.user(bob)->label, QStringLiteral("Test user 2"));
    QVERIFY(model.user(alice)->colour != model.user(bob)->colour);

    QVERIFY(model.rename(alice, QStringLiteral("Alice (mobile)")));
    QCOMPARE(model.data(model.index(0), Qt::DisplayRole).toString(), QStringLiteral("Alice (mobile)"));
    QVERIFY(!model.rename(alice, QStringLiteral("   ")));
    // Renamed in place, as a view's editor does it.
    QVERIFY(model.flags(model.index(0)).testFlag(Qt::ItemIsEditable));
    QVERIFY(model.setData(model.index(0), QStringLiteral("Alice (tablet)")));
    QCOMPARE(model.user(alice)->label, QStringLiteral("Alice (tablet)"));
    QVERIFY(!model.setData(model.index(0), QString()));
    QVERIFY(!model.setData(model.index(0), QStringLiteral("x"), Qt::DecorationRole));
    QVERIFY(model.setData(model.index(0), QStringLiteral("Alice (mobile)")));

    const QString anonymous = model.user(alice)->userToken;
    QVERIFY(model.logIn(alice, QStringLiteral("customer-42")));
    QCOMPARE(model.user(alice)->authenticatedUserToken, QStringLiteral("customer-42"));
    QCOMPARE(model.user(alice)->userToken, anonymous); // logging in keeps the anonymous token
    QVERIFY(model.logOut(alice));
    QVERIFY(!model.user(alice)->isLoggedIn());

    QVERIFY(model.logIn(alice, QStringLiteral("customer-42")));
    QVERIFY(model.rotate(alice));
    QVERIFY(model.user(alice)->userToken != anonymous);
    QVERIFY(model.user(alice)->userToken.startsWith(QLatin1String("anonymous-")));
    QVERIFY(!model.user(alice)->isLoggedIn());

    const TestUser removed = *model.user(bob);
    QVERIFY(model.remove(bob));
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(!model.remove(bob));
    // Undo: back at its row, with its id and tokens, global again if it was.
    QVERIFY(model.restore(removed, 1, true));
    QCOMPARE(*model.user(bob), removed);
    QCOMPARE(model.rowOf(bob), 1);
    QCOMPARE(model.globalUserId(), bob);
    QVERIFY(!model.restore(removed, 0, false)); // already there
    QVERIFY(model.remove(bob));
}

void TestTestUserModel::persistsAcrossInstances()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("users.json"));
    TestUser saved;
    {
        TestUserModel model(path);
        const QString id = model.create(QStringLiteral("Carol"));
        model.logIn(id, QStringLiteral("carol-account"));
        model.setGlobalUser(id);
        saved = *model.user(id);
        QVERIFY(model.lastError().isEmpty());
    }
    TestUserModel reopened(path);
    QCOMPARE(reopened.rowCount(), 1);
    QCOMPARE(reopened.users().constFirst(), saved);
    QCOMPARE(reopened.globalUserId(), saved.id);
    QCOMPARE(reopened.data(reopened.index(0), TestUserModel::IsGlobalRole).toBool(), true);
}

void TestTestUserModel::globalUserFollowsRemoval()
{
    QTemporaryDir dir;
    TestUserModel model(dir.filePath(QStringLiteral("users.json")));
    const QString id = model.create(QStringLiteral("Dan"));
    QSignalSpy spy(&model, &TestUserModel::globalUserChanged);
    QVERIFY(model.setGlobalUser(id));
    QCOMPARE(model.globalUser()->label, QStringLiteral("Dan"));
    QVERIFY(!model.setGlobalUser(QStringLiteral("no-such-user")));
    QVERIFY(model.remove(id));
    QVERIFY(!model.globalUser().has_value());
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).toString(), QString());
}

void TestTestUserModel::personalDataTokenIsFlagged_data()
{
    QTest::addColumn<QString>("userToken");
    QTest::addColumn<QString>("authenticatedUserToken");
    QTest::addColumn<bool>("flagged");
    QTest::addRow("anonymous token") << TestUserModel::newAnonymousToken() << QString() << false;
    QTest::addRow("opaque account id")
        << QStringLiteral("user-1234") << QStringLiteral("acct_9f8e7d") << false;
    QTest::addRow("email as userToken") << QStringLiteral("jane.doe@example.com") << QString() << true;
    QTest::addRow("email as authenticated token")
        << QStringLiteral("anonymous-x") << QStringLiteral("jane.doe@example.com") << true;
    QTest::addRow("phone number") << QStringLiteral("+33612345678") << QString() << true;
}

void TestTestUserModel::personalDataTokenIsFlagged()
{
    QFETCH(QString, userToken);
    QFETCH(QString, authenticatedUserToken);
    QFETCH(bool, flagged);
    const IssueList issues = TestUserModel::tokenIssues(userToken, authenticatedUserToken);
    QCOMPARE(!issues.isEmpty(), flagged);

    QTemporaryDir dir;
    TestUserModel model(dir.filePath(QStringLiteral("users.json")));
    const QString id = model.create(QStringLiteral("Erin"));
    if (!authenticatedUserToken.isEmpty())
        model.logIn(id, authenticatedUserToken);
    const QString shown = model.data(model.index(0), TestUserModel::TokenIssuesRole).toString();
    if (authenticatedUserToken.isEmpty())
        QVERIFY(shown.isEmpty()); // the generated anonymous token is never flagged
    else
        QCOMPARE(!shown.isEmpty(), flagged);
}

void TestTestUserModel::brokenFileIsKeptAsideWithAMessage_data()
{
    QTest::addColumn<QByteArray>("content");
    // A real file of five users, cut short as a full disk or a crash of another writer would leave it.
    QByteArray five;
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("users.json"));
        {
            TestUserModel model(path);
            for (int n = 1; n <= 5; ++n)
                model.create(QStringLiteral("User %1").arg(n));
        }
        QFile file(path);
        if (file.open(QIODevice::ReadOnly))
            five = file.readAll();
    }
    QTest::addRow("truncated") << five.left(five.size() / 2);
    QTest::addRow("garbage") << QByteArray("\x89PNG\r\n\x1a\n\0\0garbage", 17);
    QTest::addRow("empty") << QByteArray();
    QTest::addRow("JSON array") << QByteArray("[1,2,3]");
    QTest::addRow("object without users") << QByteArray(R"({"version":1})");
}

void TestTestUserModel::brokenFileIsKeptAsideWithAMessage()
{
    QFETCH(QByteArray, content);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("users.json"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(content), content.size());
    }
    StderrCapture stderrCapture;
    TestUserModel model(path);
    const QString told = QString::fromLocal8Bit(stderrCapture.text());
    QCOMPARE(model.rowCount(), 0);

    const QStringList aside =
        QDir(dir.path()).entryList({QStringLiteral("users.json.broken-*")}, QDir::Files);
    QCOMPARE(aside.size(), 1);
    QFile kept(dir.filePath(aside.constFirst()));
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), content); // byte for byte: nothing of it is lost
    QVERIFY(!QFile::exists(path));

    // The user is told where it went, on stderr and through the model (for the window).
    QVERIFY2(model.loadProblem().contains(path) && model.loadProblem().contains(aside.constFirst()),
             qPrintable(model.loadProblem()));
    QVERIFY2(told.contains(aside.constFirst()), qPrintable(told));

    // A new file is started; the kept one stays as it was.
    model.create(QStringLiteral("Fresh"));
    QVERIFY2(model.lastError().isEmpty(), qPrintable(model.lastError()));
    TestUserModel reopened(path);
    QCOMPARE(reopened.rowCount(), 1);
    QVERIFY(reopened.loadProblem().isEmpty());
    QCOMPARE(QDir(dir.path()).entryList({QStringLiteral("users.json.broken-*")}, QDir::Files), aside);
}

void TestTestUserModel::unreadableFileIsReportedAndNeverReplaced_data()
{
    QTest::addColumn<QString>("kind");
    // Tests run as root too, where file permissions do not stop reading: a folder and a FIFO cannot be read
    // whoever runs them (and reading a FIFO would block the start for ever).
    QTest::addRow("folder") << QStringLiteral("folder");
    QTest::addRow("fifo") << QStringLiteral("fifo");
}

void TestTestUserModel::unreadableFileIsReportedAndNeverReplaced()
{
    QFETCH(QString, kind);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("users.json"));
    if (kind == QLatin1String("folder"))
        QVERIFY(QDir().mkpath(path));
    else
        QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);

    StderrCapture stderrCapture;
    TestUserModel model(path);
    const QString told = QString::fromLocal8Bit(stderrCapture.text());
    QCOMPARE(model.rowCount(), 0);
    QVERIFY2(model.loadProblem().contains(path), qPrintable(model.loadProblem()));
    QVERIFY2(told.contains(path), qPrintable(told));

    // Changes stay in memory and are refused on disk, with the reason: the file is never replaced.
    const QString id = model.create(QStringLiteral("Shopper"));
    QVERIFY(model.user(id));
    QCOMPARE(model.lastError(), model.loadProblem());
    const QFileInfo after(path);
    QVERIFY(after.exists());
    QCOMPARE(after.isDir(), kind == QLatin1String("folder"));
    QVERIFY(QDir(dir.path()).entryList({QStringLiteral("users.json.broken-*")}, QDir::AllEntries).isEmpty());
}

void TestTestUserModel::duplicateIdsAreReadOnce()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("users.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"version":1,"globalUserId":"b","users":[{"id":"a","label":"A"},{"id":"b","label":"B"},)"
               R"({"id":"a","label":"A again"},{"label":"no id"}]})");
    file.close();
    TestUserModel model(path);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.users().at(0).label, QStringLiteral("A"));
    QCOMPARE(model.globalUserId(), QStringLiteral("b"));
    // Missing tokens and colours are filled in, colours distinct.
    QVERIFY(model.users().at(0).userToken.startsWith(QLatin1String("anonymous-")));
    QVERIFY(!model.users().at(0).colour.isEmpty());
    QVERIFY(model.users().at(0).colour != model.users().at(1).colour);
    QVERIFY(model.loadProblem().isEmpty());
}

QTEST_GUILESS_MAIN(TestTestUserModel)
#include "tst_testusermodel.moc"
