// The client's pure rules, table-tested: targets, retry decisions and delays, server hints, messages,
// and the profile parsers.

#include "client/httptransport.h"
#include "client/insightstarget.h"
#include "client/profiles.h"
#include "client/retrypolicy.h"

#include <QFile>
#include <QTest>

#include <limits>

Q_DECLARE_METATYPE(SendStatus)

namespace {

SendResult resultOf(SendStatus status, int httpStatus = 0)
{
    SendResult result;
    result.status = status;
    result.httpStatus = httpStatus;
    return result;
}

QByteArray fixture(const char* name)
{
    QFile file(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/client/") + QLatin1String(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("missing fixture %s", name);
    return file.readAll();
}

} // namespace

class TestClientRules final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void targets_data();
    void targets();
    void invalidTargets_data();
    void invalidTargets();
    void joinKeepsPrefixAndEscapes();
    void retryDecision_data();
    void retryDecision();
    void backoffGrowsBoundedWithJitter();
    void serverHintsWin();
    void retryAfterParsing_data();
    void retryAfterParsing();
    void messageFromBody_data();
    void messageFromBody();
    void classicProfile();
    void advancedProfile();
    void unreadableProfiles();
    void outOfRangeProfileScores();
};

void TestClientRules::targets_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("baseUrl");
    QTest::addColumn<bool>("embedded");
    QTest::addRow("local") << "local"
                           << "local"
                           << "http://127.0.0.1:8421" << true;
    QTest::addRow("us") << "us"
                        << "us"
                        << "https://insights.us.algolia.io" << false;
    QTest::addRow("de, any case") << "DE"
                                  << "de"
                                  << "https://insights.de.algolia.io" << false;
    QTest::addRow("global") << "global"
                            << "global"
                            << "https://insights.algolia.io" << false;
    QTest::addRow("custom url") << "http://127.0.0.1:9000"
                                << "http://127.0.0.1:9000"
                                << "http://127.0.0.1:9000" << false;
    QTest::addRow("custom url, trailing slash") << "https://proxy.example/insights/"
                                                << "https://proxy.example/insights"
                                                << "https://proxy.example/insights" << false;
}

void TestClientRules::targets()
{
    QFETCH(QString, text);
    QFETCH(QString, name);
    QFETCH(QString, baseUrl);
    QFETCH(bool, embedded);
    const std::optional<InsightsTarget> target = InsightsTarget::parse(text);
    QVERIFY(target);
    QCOMPARE(target->name(), name);
    QCOMPARE(target->baseUrl(ClientHosts{}).toString(), baseUrl);
    QCOMPARE(target->isEmbeddedEndpoint(), embedded);
}

void TestClientRules::invalidTargets_data()
{
    QTest::addColumn<QString>("text");
    QTest::addRow("empty") << "";
    QTest::addRow("unknown region") << "eu";
    QTest::addRow("ftp") << "ftp://example.com";
    QTest::addRow("no host") << "http://";
    QTest::addRow("query") << "http://example.com/?a=1";
    QTest::addRow("credentials in url") << "http://user:secret@example.com";
}

void TestClientRules::invalidTargets()
{
    QFETCH(QString, text);
    QVERIFY(!InsightsTarget::parse(text));
}

void TestClientRules::joinKeepsPrefixAndEscapes()
{
    QCOMPARE(joinUrl(QUrl(QStringLiteral("https://proxy.example/insights/")), QStringLiteral("/1/events"))
                 .toString(),
             QStringLiteral("https://proxy.example/insights/1/events"));
    // A userToken may contain '/': it must stay one path segment.
    const QString token = QString::fromLatin1(QUrl::toPercentEncoding(QStringLiteral("a/b=+")));
    QCOMPARE(joinUrl(QUrl(QStringLiteral("http://127.0.0.1:8421")), QStringLiteral("/1/usertokens/") + token)
                 .toString(QUrl::FullyEncoded),
             QStringLiteral("http://127.0.0.1:8421/1/usertokens/a%2Fb%3D%2B"));
}

void TestClientRules::retryDecision_data()
{
    QTest::addColumn<SendStatus>("status");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<bool>("retried");
    QTest::addRow("200") << SendStatus::Success << 200 << false;
    QTest::addRow("400") << SendStatus::HttpError << 400 << false;
    QTest::addRow("401") << SendStatus::HttpError << 401 << false;
    QTest::addRow("404") << SendStatus::HttpError << 404 << false;
    QTest::addRow("413") << SendStatus::HttpError << 413 << false;
    QTest::addRow("422") << SendStatus::HttpError << 422 << false;
    QTest::addRow("429") << SendStatus::HttpError << 429 << true;
    QTest::addRow("500") << SendStatus::HttpError << 500 << true;
    QTest::addRow("503") << SendStatus::HttpError << 503 << true;
    QTest::addRow("connection refused") << SendStatus::TransportError << 0 << true;
    QTest::addRow("timeout") << SendStatus::Timeout << 0 << true;
    QTest::addRow("cancelled") << SendStatus::Cancelled << 0 << false;
}

void TestClientRules::retryDecision()
{
    QFETCH(SendStatus, status);
    QFETCH(int, httpStatus);
    QFETCH(bool, retried);
    const RetryPolicy policy;
    QCOMPARE(policy.delayBeforeRetry(resultOf(status, httpStatus), 1, 0, 0.5).has_value(), retried);
}

void TestClientRules::backoffGrowsBoundedWithJitter()
{
    RetryPolicy policy;
    policy.maxAttempts = 10;
    policy.baseDelayMs = 100;
    policy.maxDelayMs = 1000;
    const SendResult failure = resultOf(SendStatus::HttpError, 503);
    // jitter 0 -> half the backoff, jitter ~1 -> nearly all of it.
    QCOMPARE(*policy.delayBeforeRetry(failure, 1, 0, 0.0), 50);
    QCOMPARE(*policy.delayBeforeRetry(failure, 2, 0, 0.0), 100);
    QCOMPARE(*policy.delayBeforeRetry(failure, 3, 0, 0.0), 200);
    QCOMPARE(*policy.delayBeforeRetry(failure, 3, 0, 1.0), 400);
    QCOMPARE(*policy.delayBeforeRetry(failure, 9, 0, 1.0), 1000); // capped
    QVERIFY(!policy.delayBeforeRetry(failure, 10, 0, 0.5));       // bounded
}

void TestClientRules::serverHintsWin()
{
    RetryPolicy policy;
    policy.baseDelayMs = 100;
    SendResult limited = resultOf(SendStatus::HttpError, 429);
    limited.retryAfterMs = 3000;
    QCOMPARE(*policy.delayBeforeRetry(limited, 1, 0, 0.0), 3000);
    limited.retryAfterMs.reset();
    limited.rateLimitResetMs = 1'000'000 + 7000; // x-ratelimit-reset is absolute
    QCOMPARE(*policy.delayBeforeRetry(limited, 1, 1'000'000, 0.0), 7000);
    // A reset already in the past does not shorten the backoff below its own value.
    limited.rateLimitResetMs = 1'000'000 - 5000;
    QCOMPARE(*policy.delayBeforeRetry(limited, 1, 1'000'000, 0.0), 50);
    // Asked to wait longer than the bound: give up now rather than hang for hours.
    limited.retryAfterMs = policy.maxServerDelayMs + 1;
    QVERIFY(!policy.delayBeforeRetry(limited, 1, 0, 0.0));
}

void TestClientRules::retryAfterParsing_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<qint64>("nowMs");
    QTest::addColumn<qint64>("expected"); // -1 = none
    QTest::addRow("seconds") << QByteArray("2") << qint64(0) << qint64(2000);
    QTest::addRow("seconds with spaces") << QByteArray(" 10 ") << qint64(0) << qint64(10000);
    QTest::addRow("http-date") << QByteArray("Wed, 21 Oct 2015 07:28:00 GMT") << qint64(1445412470000)
                               << qint64(10000);
    QTest::addRow("date in the past")
        << QByteArray("Wed, 21 Oct 2015 07:28:00 GMT") << qint64(1445412490000) << qint64(0);
    QTest::addRow("negative") << QByteArray("-3") << qint64(0) << qint64(-1);
    QTest::addRow("garbage") << QByteArray("soon") << qint64(0) << qint64(-1);
    QTest::addRow("empty") << QByteArray() << qint64(0) << qint64(-1);
}

void TestClientRules::retryAfterParsing()
{
    QFETCH(QByteArray, header);
    QFETCH(qint64, nowMs);
    QFETCH(qint64, expected);
    const std::optional<qint64> parsed = HttpHeaders::parseRetryAfterMs(header, nowMs);
    QCOMPARE(parsed.value_or(-1), expected);
}

void TestClientRules::messageFromBody_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("message");
    QTest::addRow("algolia json") << QByteArray(R"({"status":422,"message":"EventName is required"})")
                                  << "EventName is required";
    QTest::addRow("html 400") << QByteArray(
                                     "Error: Bad Request. Your client has issued a malformed request.\n")
                              << "Error: Bad Request. Your client has issued a malformed request.";
    QTest::addRow("empty") << QByteArray() << "";
}

void TestClientRules::messageFromBody()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, message);
    QCOMPARE(HttpHeaders::messageFromBody(body), message);
}

void TestClientRules::classicProfile()
{
    QString error;
    const std::optional<PersonalizationProfile> profile =
        ProfileParser::parseClassic(fixture("profile-classic.json"), &error);
    QVERIFY2(profile, qPrintable(error));
    QCOMPARE(profile->userToken, QStringLiteral("user-42"));
    QCOMPARE(profile->lastEventAt, QStringLiteral("2026-11-27T10:00:00Z"));
    QCOMPARE(profile->scores.size(), 3);
    QCOMPARE(profile->scores.at(0).facetName, QStringLiteral("brand"));
    QCOMPARE(profile->scores.at(0).facetValue, QStringLiteral("Apple"));
    QCOMPARE(profile->scores.at(0).score, 20.0);
}

void TestClientRules::advancedProfile()
{
    QString error;
    const std::optional<AdvancedProfile> profile =
        ProfileParser::parseAdvanced(fixture("profile-advanced.json"), &error);
    QVERIFY2(profile, qPrintable(error));
    QCOMPARE(profile->userID, QStringLiteral("user-42"));
    QCOMPARE(profile->type, QStringLiteral("basic"));
    QCOMPARE(profile->affinities.size(), 2);
    QCOMPARE(profile->affinities.at(0).name, QStringLiteral("color"));
    QCOMPARE(profile->affinities.at(0).value, QStringLiteral("red"));
    QCOMPARE(profile->affinities.at(0).score, 15);
    QCOMPARE(profile->affinities.at(0).indices, QStringList{QStringLiteral("products")});
}

void TestClientRules::unreadableProfiles()
{
    QString error;
    QVERIFY(!ProfileParser::parseClassic("not json", &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!ProfileParser::parseAdvanced(R"({"type":"basic"})", &error));
    QCOMPARE(error, QStringLiteral("the profile has no userID"));
}

// Found by fuzz_profiles: a score beyond int's range was cast (undefined behaviour); "nan"/"inf" strings,
// which QString::toDouble reads, would break the sort by score.
void TestClientRules::outOfRangeProfileScores()
{
    const std::optional<AdvancedProfile> advanced = ProfileParser::parseAdvanced(
        R"({"userID":"u","affinities":[{"name":"a","score":1e40},{"name":"b","score":"nan"},{"name":"c","score":-1e40}]})");
    QVERIFY(advanced);
    QCOMPARE(advanced->affinities.size(), 3);
    QCOMPARE(advanced->affinities.at(0).score, std::numeric_limits<int>::max());
    QCOMPARE(advanced->affinities.at(1).score, 0);
    QCOMPARE(advanced->affinities.at(2).score, std::numeric_limits<int>::min());
    const std::optional<PersonalizationProfile> classic =
        ProfileParser::parseClassic(R"({"userToken":"u","scores":{"brand":{"x":"inf","y":3}}})");
    QVERIFY(classic);
    QCOMPARE(classic->scores.size(), 2);
    QCOMPARE(classic->scores.at(0).score, 3.0);
    QCOMPARE(classic->scores.at(1).score, 0.0);
}

QTEST_GUILESS_MAIN(TestClientRules)
#include "tst_clientrules.moc"
