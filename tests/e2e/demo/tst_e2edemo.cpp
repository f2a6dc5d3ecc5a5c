// A phone in the room shops the built-in demo storefront: headless Chromium opens /demo/ on a real
// `insights-debugger serve` (local search over the sample catalog), searches, opens a hit of page 2, adds it
// to the cart and buys it. Every event arrives accepted, cites the search the page made (its queryID is a
// recorded search's, with the absolute position), and carries no warning.

#include "serveprocess.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTemporaryDir>

namespace {

const QString kShopDir = QStringLiteral(INSIGHTS_E2E_DEMO_DIR);

} // namespace

class E2eDemoTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        const QString npm = QStandardPaths::findExecutable(QStringLiteral("npm"));
        QVERIFY2(!npm.isEmpty(), "npm is needed (scripts/dev.sh test installs it)");
        QVERIFY2(QFileInfo::exists(QStringLiteral("/usr/bin/chromium")),
                 "Debian's chromium is needed (scripts/dev.sh test installs it)");
        if (QFileInfo::exists(kShopDir + QStringLiteral("/node_modules/puppeteer-core")))
            return;
        QProcess install;
        install.setWorkingDirectory(kShopDir);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("PUPPETEER_SKIP_DOWNLOAD"), QStringLiteral("1"));
        install.setProcessEnvironment(environment);
        install.start(npm, {QStringLiteral("install"), QStringLiteral("--no-audit"),
                            QStringLiteral("--no-fund"), QStringLiteral("--loglevel=error")});
        QVERIFY(install.waitForFinished(180000));
        QVERIFY2(install.exitCode() == 0, install.readAllStandardError().constData());
    }

    void phoneShopsTheStorefront()
    {
        QTemporaryDir dir;
        ServeProcess::Serve serve;
        const QString catalog = QDir(QStringLiteral(INSIGHTS_SOURCE_DIR))
                                    .filePath(QStringLiteral("resources/sample/movies.json"));
        QVERIFY(serve.start(dir.path(), {QStringLiteral("--catalog"), catalog, QStringLiteral("--search"),
                                         QStringLiteral("local")}));

        QProcess shop;
        shop.setWorkingDirectory(kShopDir);
        const QString screenshot =
            QDir(QStringLiteral(INSIGHTS_BINARY_DIR)).filePath(QStringLiteral("demo-storefront.png"));
        shop.start(QStandardPaths::findExecutable(QStringLiteral("node")),
                   {QStringLiteral("shop.mjs"), serve.url(), screenshot});
        QVERIFY(shop.waitForFinished(120000));
        const QByteArray output = shop.readAllStandardOutput();
        QVERIFY2(shop.exitCode() == 0, QByteArray(output + shop.readAllStandardError()).constData());
        const QJsonObject shopped = QJsonDocument::fromJson(output.trimmed().split('\n').last()).object();
        QVERIFY2(shopped.value(QStringLiteral("errors")).toArray().isEmpty(), output.constData());
        const QString objectID = shopped.value(QStringLiteral("objectID")).toString();
        const QString queryID = shopped.value(QStringLiteral("queryID")).toString();
        const QString userToken = shopped.value(QStringLiteral("userToken")).toString();
        QCOMPARE(shopped.value(QStringLiteral("position")).toInt(), 10); // page 2 of 8 hits, its second
        QVERIFY(queryID.size() == 32);
        QVERIFY(userToken.startsWith(QStringLiteral("anonymous-")));

        QNetworkAccessManager manager;
        QJsonArray events;
        QTRY_VERIFY_WITH_TIMEOUT((events = ServeProcess::allEvents(manager, serve.url())).size() >= 4, 20000);
        QStringList seen;
        for (const QJsonValue& value : events) {
            const QJsonObject record = value.toObject();
            const QJsonObject event = record.value(QStringLiteral("event")).toObject();
            // Searches are records of the log too (no eventType): only the events are judged here.
            if (record.value(QStringLiteral("eventType")).toString().isEmpty() ||
                event.value(QStringLiteral("userToken")).toString() != userToken)
                continue;
            QCOMPARE(record.value(QStringLiteral("status")).toString(), QStringLiteral("accepted"));
            QVERIFY2(ServeProcess::warningCodes(record).isEmpty(),
                     qPrintable(ServeProcess::warningCodes(record).join(u',')));
            const QString name = event.value(QStringLiteral("eventName")).toString();
            seen << name;
            if (name == u"Product Clicked") {
                QCOMPARE(event.value(QStringLiteral("queryID")).toString(), queryID);
                QCOMPARE(event.value(QStringLiteral("positions")).toArray().first().toInt(), 10);
                QCOMPARE(event.value(QStringLiteral("objectIDs")).toArray().first().toString(), objectID);
            }
            if (name == u"Products Purchased") {
                const QJsonObject item =
                    event.value(QStringLiteral("objectData")).toArray().first().toObject();
                QCOMPARE(item.value(QStringLiteral("queryID")).toString(), queryID);
            }
        }
        seen.sort();
        QCOMPARE(seen,
                 (QStringList{QStringLiteral("Product Added To Cart"), QStringLiteral("Product Clicked"),
                              QStringLiteral("Product Viewed"), QStringLiteral("Products Purchased")}));
        // The click cites a search the endpoint recorded.
        const QJsonArray searches = ServeProcess::allEvents(manager, serve.url(), QStringLiteral("searches"));
        QVERIFY2(QJsonDocument(searches).toJson().contains(queryID.toUtf8()),
                 "the click's queryID is a search the endpoint answered and recorded");
    }
};

QTEST_GUILESS_MAIN(E2eDemoTest)
#include "tst_e2edemo.moc"
