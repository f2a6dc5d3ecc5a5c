// Every conformance case of insights-api.md §7 (tests/data/conformance) sent over a real loopback socket to
// the embedded endpoint: the answer must be Algolia's, and the event log must hold what the debugger shows.

#include "httptestclient.h"

#include "conformancecase.h"
#include "endpoint/embeddedendpoint.h"
#include "log/eventlog.h"

#include <QDateTime>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <map>
#include <memory>

namespace {
const QByteArray kAppId = QByteArrayLiteral("CONFAPP");
const QByteArray kApiKey = QByteArrayLiteral("conformance-key-0123456789");
} // namespace

class EndpointConformanceTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cases_data();
    void cases();
    void cleanupTestCase();

private:
    EmbeddedEndpoint* endpointFor(const QString& profile, bool requireCredentials);

    QTemporaryDir m_dir;
    std::unique_ptr<EventLog> m_log;
    std::map<QString, std::unique_ptr<EmbeddedEndpoint>> m_endpoints;
    QNetworkAccessManager m_manager;
    QList<ConformanceCase> m_cases;
};

void EndpointConformanceTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    EventLogOptions options;
    options.path = m_dir.filePath(QStringLiteral("events.sqlite"));
    EventLog::OpenResult opened = EventLog::open(options);
    QVERIFY2(opened.log, qPrintable(opened.error));
    m_log = std::move(opened.log);
    m_cases = loadConformanceCases(QDateTime::currentMSecsSinceEpoch());
    QVERIFY(m_cases.size() >= 60);
}

void EndpointConformanceTest::cleanupTestCase()
{
    m_endpoints.clear();
    m_log.reset();
}

EmbeddedEndpoint* EndpointConformanceTest::endpointFor(const QString& profile, bool requireCredentials)
{
    const QString key = profile + (requireCredentials ? QStringLiteral("/required") : QStringLiteral("/any"));
    auto& endpoint = m_endpoints[key];
    if (!endpoint) {
        endpoint = std::make_unique<EmbeddedEndpoint>(m_log.get());
        EndpointOptions options;
        options.port = 0;
        options.profileName = profile;
        if (requireCredentials) {
            options.requiredAppId = QString::fromLatin1(kAppId);
            options.requiredApiKey = QString::fromLatin1(kApiKey);
        }
        if (const auto error = endpoint->start(options)) {
            qWarning("cannot start the endpoint: %s", qPrintable(*error));
            endpoint.reset();
            return nullptr;
        }
    }
    return endpoint.get();
}

void EndpointConformanceTest::cases_data()
{
    QTest::addColumn<int>("row");
    for (qsizetype i = 0; i < m_cases.size(); ++i)
        QTest::newRow(qPrintable(m_cases.at(i).rowName())) << static_cast<int>(i);
}

void EndpointConformanceTest::cases()
{
    QFETCH(int, row);
    const ConformanceCase& c = m_cases.at(row);
    EmbeddedEndpoint* endpoint = endpointFor(c.profile, c.requireCredentials);
    QVERIFY(endpoint);

    QUrl url(endpoint->baseUrl() + QString::fromLatin1(c.path));
    RawHeaders headers = c.headers;
    QUrlQuery query(url);
    if (c.credentials == QLatin1String("headers")) {
        headers.append(qMakePair(QByteArray("x-algolia-application-id"), QByteArray(kAppId)));
        headers.append(qMakePair(QByteArray("x-algolia-api-key"), QByteArray(kApiKey)));
    } else if (c.credentials == QLatin1String("wrong-key")) {
        headers.append(qMakePair(QByteArray("x-algolia-application-id"), QByteArray(kAppId)));
        headers.append(qMakePair(QByteArray("x-algolia-api-key"), QByteArray("not-the-key")));
    } else if (c.credentials == QLatin1String("query-lowercase")) {
        query.addQueryItem(QStringLiteral("x-algolia-application-id"), QString::fromLatin1(kAppId));
        query.addQueryItem(QStringLiteral("x-algolia-api-key"), QString::fromLatin1(kApiKey));
    } else if (c.credentials == QLatin1String("query-search-insights")) {
        query.addQueryItem(QStringLiteral("X-Algolia-Application-Id"), QString::fromLatin1(kAppId));
        query.addQueryItem(QStringLiteral("X-Algolia-API-Key"), QString::fromLatin1(kApiKey));
        query.addQueryItem(QStringLiteral("X-Algolia-Agent"), QStringLiteral("insights-js (2.17.3)"));
    } else {
        QCOMPARE(c.credentials, QStringLiteral("none"));
    }
    url.setQuery(query);

    const qint64 lastId = m_log->lastId();
    const HttpResult result = httpRequest(m_manager, c.method, url, headers, c.body);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QVERIFY2(result.status == c.expectStatus,
             qPrintable(QStringLiteral("got %1 %2").arg(result.status).arg(QString::fromUtf8(result.body))));
    if (!c.expectMessage.isEmpty())
        QCOMPARE(result.message(), c.expectMessage);
    if (c.expectStatus == 204) {
        QVERIFY(result.body.isEmpty());
        QVERIFY(!result.header("x-ratelimit-limit").isEmpty());
        QVERIFY(!result.header("x-ratelimit-remaining").isEmpty());
        QVERIFY(!result.header("x-ratelimit-reset").isEmpty());
    }
    if (c.path.startsWith("/1/"))
        QCOMPARE(result.header("Access-Control-Allow-Origin"), QByteArray("*"));

    // The answer went out after the commit: what the debugger shows is already in the log.
    LogQuery sinceThen;
    sinceThen.sinceId = lastId;
    sinceThen.limit = 0;
    QList<LogRecord> logged = m_log->query(sinceThen);
    const bool isPush = c.method == "POST" && c.path.startsWith("/1/events");
    if (!isPush || (c.expectStatus != 200 && c.expectStatus != 422)) {
        if (c.expectStatus < 400) {
            QVERIFY2(logged.isEmpty(), "only judged pushes and refused requests are in the log");
            return;
        }
        // Refused before any event was judged: one record of kind Request (its answer waits for the commit
        // at most a bounded time, hence the wait), with the status and message answered.
        QTRY_VERIFY_WITH_TIMEOUT(!(logged = m_log->query(sinceThen)).isEmpty(), 10000);
        QCOMPARE(logged.size(), 1);
        QCOMPARE(logged.constFirst().kind, RecordKind::Request);
        QCOMPARE(logged.constFirst().httpStatus, c.expectStatus);
        QCOMPARE(logged.constFirst().message, result.message());
        QCOMPARE(logged.constFirst().path.toUtf8(), c.path.split('?').constFirst());
        return;
    }
    QVERIFY(!logged.isEmpty());
    for (const LogRecord& record : logged) {
        QCOMPARE(record.httpStatus, c.expectStatus);
        QCOMPARE(record.accepted, c.expectStatus == 200);
        QCOMPARE(record.source, EventSource::Endpoint);
        QCOMPARE(record.appId.toLatin1(), c.credentials == QLatin1String("none") ? QByteArray() : kAppId);
        QCOMPARE(record.requestId, logged.constFirst().requestId);
        if (!c.expectMessage.isEmpty())
            QCOMPARE(record.message, c.expectMessage);
    }
    for (const ConformanceCase::ExpectedEvent& expected : c.expectEvents) {
        const auto it = std::find_if(logged.cbegin(), logged.cend(), [&expected](const LogRecord& record) {
            return record.indexInRequest == expected.index;
        });
        QVERIFY2(it != logged.cend(),
                 qPrintable(QStringLiteral("no record for event %1").arg(expected.index)));
        const bool hasError = std::any_of(it->issues.cbegin(), it->issues.cend(),
                                          [](const Issue& issue) { return issue.isError(); });
        QCOMPARE(!hasError, expected.valid);
        if (!expected.code.isEmpty()) {
            QVERIFY2(std::any_of(it->issues.cbegin(), it->issues.cend(),
                                 [&expected](const Issue& issue) { return issue.code == expected.code; }),
                     qPrintable(expected.code));
        }
    }
}

QTEST_GUILESS_MAIN(EndpointConformanceTest)
#include "tst_endpointconformance.moc"
