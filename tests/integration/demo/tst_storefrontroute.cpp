// GET /demo/ on the embedded endpoint: the storefront page, its script and its configuration, answered for
// any Host a phone uses (it is not an automation route), and nothing else under /demo/.

#include "httptestclient.h"

#include "demo/storefrontroute.h"
#include "endpoint/embeddedendpoint.h"
#include "log/eventlog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

class TestStorefrontRoute final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<EmbeddedEndpoint> m_endpoint;
    QNetworkAccessManager m_manager;

    QUrl url(const QString& path) const { return QUrl(m_endpoint->baseUrl() + path); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        EventLogOptions options;
        options.path = m_dir.filePath(QStringLiteral("events.sqlite"));
        EventLog::OpenResult opened = EventLog::open(options);
        QVERIFY2(opened.log, qPrintable(opened.error));
        m_log = std::move(opened.log);
        m_endpoint = std::make_unique<EmbeddedEndpoint>(m_log.get());
        const std::shared_ptr<StorefrontRoute> route =
            StorefrontRoute::create(QStringLiteral("movies"), QStringLiteral("Movie night"));
        QVERIFY2(route, "the storefront's files are compiled into the resources");
        m_endpoint->addRouteHandler(route);
        EndpointOptions endpointOptions;
        endpointOptions.port = 0;
        QVERIFY(!m_endpoint->start(endpointOptions));
    }

    void cleanupTestCase()
    {
        m_endpoint->stop();
        m_endpoint.reset();
        m_log.reset();
    }

    void servesThePageItsScriptAndConfig()
    {
        const HttpResult page = httpRequest(m_manager, "GET", url(QStringLiteral("/demo/")));
        QCOMPARE(page.status, 200);
        QVERIFY(page.header("content-type").startsWith("text/html"));
        QVERIFY(page.body.contains("<script src=\"storefront.js\"></script>"));
        QCOMPARE(page.header("cache-control"), QByteArray("no-store"));

        const HttpResult script = httpRequest(m_manager, "GET", url(QStringLiteral("/demo/storefront.js")));
        QCOMPARE(script.status, 200);
        QVERIFY(script.header("content-type").startsWith("text/javascript"));
        QVERIFY(script.body.contains("/1/events"));

        const HttpResult config = httpRequest(m_manager, "GET", url(QStringLiteral("/demo/config.json")));
        QCOMPARE(config.status, 200);
        const QJsonObject object = QJsonDocument::fromJson(config.body).object();
        QCOMPARE(object.value(QStringLiteral("index")).toString(), QStringLiteral("movies"));
        QCOMPARE(object.value(QStringLiteral("name")).toString(), QStringLiteral("Movie night"));
    }

    void redirectsAndRefusesTheRest()
    {
        RawClient raw;
        QVERIFY(raw.connectTo(m_endpoint->port()));
        raw.write("GET /demo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QVERIFY(raw.waitForText("\r\n\r\n"));
        QCOMPARE(raw.finalStatus(), 308);
        QVERIFY(raw.received().contains("Location: /demo/"));

        const HttpResult missing = httpRequest(m_manager, "GET", url(QStringLiteral("/demo/secret")));
        QCOMPARE(missing.status, 404);
        const HttpResult post = httpRequest(m_manager, "POST", url(QStringLiteral("/demo/")), {}, "x");
        QVERIFY(post.status != 200);
    }

    void answersTheHostAPhoneUses()
    {
        // A phone reaches the machine by its network address: the page must not get the automation API's
        // loopback-only refusal.
        RawClient raw;
        QVERIFY(raw.connectTo(m_endpoint->port()));
        raw.write(
            "GET /demo/ HTTP/1.1\r\nHost: 192.168.1.23:8421\r\nOrigin: http://192.168.1.23:8421\r\n\r\n");
        QVERIFY(raw.waitForText("</html>"));
        QCOMPARE(raw.finalStatus(), 200);
    }
};

QTEST_GUILESS_MAIN(TestStorefrontRoute)
#include "tst_storefrontroute.moc"
