// The composer's templates file: saved atomically, never lost when it cannot be read.
#include "composer/templatestore.h"
#include "stderrcapture.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

class TestTemplateStore final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void templatesPersistExactly();
    void brokenFileIsKeptAsideWithAMessage_data();
    void brokenFileIsKeptAsideWithAMessage();
    void unreadableFileIsReportedAndNeverReplaced();
};

void TestTemplateStore::templatesPersistExactly()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("templates.json"));
    const QByteArray event = "{\"eventType\":\"view\",\"zeta\":1,\"alpha\":1.50}";
    {
        TemplateStore store(path);
        QVERIFY(store.save(QStringLiteral("View"), event));
        QVERIFY(store.lastError().isEmpty());
    }
    TemplateStore reopened(path);
    QCOMPARE(reopened.names(), QStringList{QStringLiteral("View")});
    QCOMPARE(reopened.json(QStringLiteral("View")), event);
    QVERIFY(reopened.loadProblem().isEmpty());
    // QSaveFile leaves no temporary file beside it.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("templates.json")});
}

void TestTemplateStore::brokenFileIsKeptAsideWithAMessage_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addRow("truncated") << QByteArray("{\"View\":\"{\\\"eventType\\\":\\\"vi");
    QTest::addRow("JSON array") << QByteArray("[\"View\"]");
    QTest::addRow("garbage") << QByteArray("\xff\xfe\x00garbage", 10);
}

void TestTemplateStore::brokenFileIsKeptAsideWithAMessage()
{
    QFETCH(QByteArray, content);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("templates.json"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
    }
    StderrCapture stderrCapture;
    TemplateStore store(path);
    const QString told = QString::fromLocal8Bit(stderrCapture.text());
    QVERIFY(store.names().isEmpty());
    const QStringList aside =
        QDir(dir.path()).entryList({QStringLiteral("templates.json.broken-*")}, QDir::Files);
    QCOMPARE(aside.size(), 1);
    QFile kept(dir.filePath(aside.constFirst()));
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), content);
    QVERIFY2(store.loadProblem().contains(aside.constFirst()), qPrintable(store.loadProblem()));
    QVERIFY2(told.contains(aside.constFirst()), qPrintable(told));
    QVERIFY(store.save(QStringLiteral("New"), "{}"));
    QCOMPARE(TemplateStore(path).names(), QStringList{QStringLiteral("New")});
}

void TestTemplateStore::unreadableFileIsReportedAndNeverReplaced()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("templates.json"));
    QVERIFY(QDir().mkpath(path)); // unreadable whoever runs the test
    StderrCapture stderrCapture;
    TemplateStore store(path);
    const QString told = QString::fromLocal8Bit(stderrCapture.text());
    QVERIFY2(store.loadProblem().contains(path), qPrintable(store.loadProblem()));
    QVERIFY2(told.contains(path), qPrintable(told));
    QVERIFY(!store.save(QStringLiteral("View"), "{}"));
    QCOMPARE(store.lastError(), store.loadProblem());
    QVERIFY(QFileInfo(path).isDir());
}

QTEST_GUILESS_MAIN(TestTemplateStore)
#include "tst_templatestore.moc"
