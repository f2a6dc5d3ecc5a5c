// `insights-debugger demo` fills a real `insights-debugger serve` (local search over the sample catalog):
// shoppers search with clickAnalytics, so their clicks cite recorded searches; without mistakes every event
// is accepted with no warning (positions absolute, tokens those of the searches); with a mistake the debugger
// catches it.

#include "serveprocess.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kCatalog =
    QDir(QStringLiteral(INSIGHTS_SOURCE_DIR)).filePath(QStringLiteral("resources/sample/movies.json"));

int runDemo(const QStringList& arguments, QByteArray* output)
{
    QProcess demo;
    demo.start(QString::fromLocal8Bit(qgetenv("INSIGHTS_DEBUGGER_EXE")),
               QStringList{QStringLiteral("demo")} + arguments);
    if (!demo.waitForFinished(90000))
        return -1;
    *output = demo.readAllStandardOutput() + demo.readAllStandardError();
    return demo.exitStatus() == QProcess::NormalExit ? demo.exitCode() : -1;
}

// The sample catalog, searched locally: what a demo on a laptop without an Algolia account uses.
QStringList serveArguments()
{
    return {QStringLiteral("--catalog"), kCatalog, QStringLiteral("--search"), QStringLiteral("local")};
}

} // namespace

class TestDemoCommand final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shoppersFillServeWithLinkedEvents()
    {
        QTemporaryDir dir;
        ServeProcess::Serve serve;
        QVERIFY(serve.start(dir.path(), serveArguments()));
        QByteArray output;
        const int exit =
            runDemo({QStringLiteral("--shoppers"), QStringLiteral("5"), QStringLiteral("--duration"),
                     QStringLiteral("10"), QStringLiteral("--speed"), QStringLiteral("50"),
                     QStringLiteral("--to"), serve.url(), QStringLiteral("--catalog"), kCatalog,
                     QStringLiteral("--seed"), QStringLiteral("3"), QStringLiteral("--quiet")},
                    &output);
        QVERIFY2(exit == 0, output.constData());
        QVERIFY2(output.contains("demo: 5 shoppers"), output.constData());

        QNetworkAccessManager manager;
        const QJsonArray events = ServeProcess::allEvents(manager, serve.url());
        int clicks = 0, purchases = 0, accepted = 0;
        QSet<QString> tokens;
        for (const QJsonValue& value : events) {
            const QJsonObject record = value.toObject();
            if (record.value(QStringLiteral("eventType")).toString().isEmpty()) // a recorded search
                continue;
            const QJsonObject event = record.value(QStringLiteral("event")).toObject();
            QVERIFY2(ServeProcess::warningCodes(record).isEmpty(),
                     qPrintable(ServeProcess::warningCodes(record).join(u',') + u' ' +
                                QString::fromUtf8(QJsonDocument(record).toJson())));
            QCOMPARE(record.value(QStringLiteral("status")).toString(), QStringLiteral("accepted"));
            ++accepted;
            tokens << event.value(QStringLiteral("userToken")).toString();
            if (event.value(QStringLiteral("eventType")).toString() == u"click") {
                ++clicks;
                QVERIFY(!event.value(QStringLiteral("queryID")).toString().isEmpty());
            }
            if (event.value(QStringLiteral("eventSubtype")).toString() == u"purchase")
                ++purchases;
        }
        QVERIFY2(clicks >= 10, qPrintable(QString::number(clicks)));
        QVERIFY(purchases >= 1);
        QCOMPARE(tokens.size(), 5); // one anonymous token per shopper, kept through login
        QVERIFY(accepted > 0);
    }

    void mistakesAreCaught()
    {
        QTemporaryDir dir;
        ServeProcess::Serve serve;
        QVERIFY(serve.start(dir.path(), serveArguments()));
        QByteArray output;
        const int exit =
            runDemo({QStringLiteral("--shoppers"), QStringLiteral("4"), QStringLiteral("--speed"),
                     QStringLiteral("100"), QStringLiteral("--to"), serve.url(), QStringLiteral("--catalog"),
                     kCatalog, QStringLiteral("--mistakes"), QStringLiteral("wrong-position,unknown-object"),
                     QStringLiteral("--quiet")},
                    &output);
        QVERIFY2(exit == 0, output.constData());
        QNetworkAccessManager manager;
        QSet<QString> codes;
        for (const QJsonValue& value : ServeProcess::allEvents(manager, serve.url())) {
            for (const QString& code : ServeProcess::warningCodes(value.toObject()))
                codes << code;
        }
        QCOMPARE(codes, (QSet<QString>{QStringLiteral("position.mismatch"),
                                       QStringLiteral("objectID.notInCatalog")}));
    }

    void usageErrors()
    {
        QByteArray output;
        QCOMPARE(runDemo({QStringLiteral("--mistakes"), QStringLiteral("typo")}, &output), 2);
        QVERIFY(output.contains("unknown mistake 'typo'"));
        QCOMPARE(runDemo({QStringLiteral("--speed"), QStringLiteral("1000")}, &output), 2);
        QCOMPARE(runDemo({QStringLiteral("--to"), QStringLiteral("us")}, &output), 2);
        QVERIFY(output.contains("--app-id"));
    }
};

QTEST_GUILESS_MAIN(TestDemoCommand)
#include "tst_democommand.moc"
