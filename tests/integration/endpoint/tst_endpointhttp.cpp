// The endpoint's pure pieces, table-tested: routes, Algolia's bodies, bounded gzip decoding (the one utility
// in models/compression, at the endpoint's cap), the automation API's Host check and the feed's dates.

#include "compression/gzip.h"
#include "endpoint/endpointhttp.h"

#include <QTest>

#include <zlib.h>

using namespace EndpointHttp;

namespace {

QByteArray compress(const QByteArray& data, int windowBits)
{
    z_stream stream{};
    deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
    QByteArray out(static_cast<qsizetype>(deflateBound(&stream, static_cast<uLong>(data.size())) + 32),
                   Qt::Uninitialized);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.constData()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    deflate(&stream, Z_FINISH);
    out.resize(static_cast<qsizetype>(stream.total_out));
    deflateEnd(&stream);
    return out;
}

} // namespace

class EndpointHttpTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void routes_data();
    void routes();
    void nearMisses_data();
    void nearMisses();
    void kinds();
    void methods();
    void bodies();
    void inflate();
    void hosts_data();
    void hosts();
    void origins_data();
    void origins();
    void dates();
    void rateLimit();
};

void EndpointHttpTest::routes_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("route");
    QTest::addColumn<QString>("token");
    QTest::newRow("/1/events") << QByteArray("/1/events") << int(Route::Events) << QString();
    QTest::newRow("/1/events/") << QByteArray("/1/events/") << int(Route::Events) << QString();
    QTest::newRow("/1/usertokens/u1")
        << QByteArray("/1/usertokens/u1") << int(Route::UserToken) << QStringLiteral("u1");
    QTest::newRow("percent-encoded token")
        << QByteArray("/1/usertokens/bad%40token") << int(Route::UserToken) << QStringLiteral("bad@token");
    QTest::newRow("/1/usertokens/") << QByteArray("/1/usertokens/") << int(Route::InsightsUnknown)
                                    << QString();
    // Everything after the prefix is the token, percent-decoded once (11 §1; insights-api.md §9.9).
    QTest::newRow("/1/usertokens/a/b")
        << QByteArray("/1/usertokens/a/b") << int(Route::UserToken) << QStringLiteral("a/b");
    QTest::newRow("/1/usertokens/a%3Db%2Fc%2Bd")
        << QByteArray("/1/usertokens/a%3Db%2Fc%2Bd") << int(Route::UserToken) << QStringLiteral("a=b/c+d");
    QTest::newRow("decoded once") << QByteArray("/1/usertokens/a%252F") << int(Route::UserToken)
                                  << QStringLiteral("a%2F");
    QTest::newRow("/1/event") << QByteArray("/1/event") << int(Route::InsightsUnknown) << QString();
    QTest::newRow("/debugger/events")
        << QByteArray("/debugger/events") << int(Route::DebuggerEvents) << QString();
    QTest::newRow("/debugger/stats") << QByteArray("/debugger/stats") << int(Route::DebuggerStats)
                                     << QString();
    QTest::newRow("/") << QByteArray("/") << int(Route::NotFound) << QString();
    QTest::newRow("/10/events") << QByteArray("/10/events") << int(Route::NotFound) << QString();
}

void EndpointHttpTest::routes()
{
    QFETCH(QByteArray, path);
    QFETCH(int, route);
    QFETCH(QString, token);
    const RouteMatch match = matchRoute(path);
    QCOMPARE(int(match.route), route);
    QCOMPARE(match.userToken, token);
}

void EndpointHttpTest::nearMisses_data()
{
    // 11 §1 and what clients get wrong building the URL: Algolia's 404, and a hint naming the fix.
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QString>("code"); // empty: no hint, a plain unknown path
    QTest::addColumn<QString>("mentions");
    QTest::newRow("//1/events") << QByteArray("//1/events") << QStringLiteral("request.hostEndsWithSlash")
                                << QStringLiteral("http://127.0.0.1:8421/");
    QTest::newRow("///1/events") << QByteArray("///1/events") << QStringLiteral("request.hostEndsWithSlash")
                                 << QStringLiteral("trailing slash");
    QTest::newRow("//1/usertokens/u")
        << QByteArray("//1/usertokens/u") << QStringLiteral("request.hostEndsWithSlash")
        << QStringLiteral("'//'");
    QTest::newRow("/1//events") << QByteArray("/1//events") << QStringLiteral("request.emptyPathSegment")
                                << QStringLiteral("/1/events");
    QTest::newRow("/insights/1/events")
        << QByteArray("/insights/1/events") << QStringLiteral("request.pathPrefix")
        << QStringLiteral("'/insights'");
    QTest::newRow("/api/1/usertokens/u")
        << QByteArray("/api/1/usertokens/u") << QStringLiteral("request.pathPrefix")
        << QStringLiteral("/1/usertokens/{userToken}");
    QTest::newRow("/1/Events") << QByteArray("/1/Events") << QStringLiteral("request.pathCase")
                               << QStringLiteral("/1/events");
    QTest::newRow("/events") << QByteArray("/events") << QStringLiteral("request.unknownInsightsPath")
                             << QStringLiteral("POST /1/events");
    QTest::newRow("/1/event") << QByteArray("/1/event") << QStringLiteral("request.unknownInsightsPath")
                              << QStringLiteral("POST /1/events");
    QTest::newRow("/1/usertokens/") << QByteArray("/1/usertokens/")
                                    << QStringLiteral("request.missingUserToken")
                                    << QStringLiteral("{userToken}");
    QTest::newRow("/1/indexes/*/queries")
        << QByteArray("/1/indexes/*/queries") << QStringLiteral("request.searchOff")
        << QStringLiteral("--search");
    QTest::newRow("/1/clicks") << QByteArray("/1/clicks") << QStringLiteral("request.unknownInsightsPath")
                               << QStringLiteral("DELETE /1/usertokens/{userToken}");
    QTest::newRow("/") << QByteArray("/") << QString() << QString();
    QTest::newRow("/favicon.ico") << QByteArray("/favicon.ico") << QString() << QString();
    QTest::newRow("//favicon.ico") << QByteArray("//favicon.ico") << QString() << QString();
    QTest::newRow("/10/events") << QByteArray("/10/events") << QString() << QString();
}

void EndpointHttpTest::nearMisses()
{
    QFETCH(QByteArray, path);
    QFETCH(QString, code);
    QFETCH(QString, mentions);
    const RouteMatch match = matchRoute(path);
    if (code.isEmpty()) {
        QCOMPARE(int(match.route), int(Route::NotFound));
        QVERIFY(!match.hint);
        return;
    }
    // Routed as an Insights path: Algolia's 404 with CORS (and its preflight answered), so a browser shows
    // it.
    QCOMPARE(int(match.route), int(Route::InsightsUnknown));
    QVERIFY(match.hint);
    QCOMPARE(match.hint->code, code);
    QVERIFY2(match.hint->message.contains(mentions), qPrintable(match.hint->message));
    QCOMPARE(match.hostEndsWithSlash, code == QLatin1String("request.hostEndsWithSlash"));
}

void EndpointHttpTest::kinds()
{
    using Kinds = QList<RecordKind>;
    QCOMPARE(automationKinds(u""), (Kinds{RecordKind::Event, RecordKind::Request}));
    QCOMPARE(automationKinds(u"all"), Kinds());
    QCOMPARE(automationKinds(u"search"), Kinds{RecordKind::Search});
    QCOMPARE(automationKinds(u"event, request"), (Kinds{RecordKind::Event, RecordKind::Request}));
    QCOMPARE(automationKinds(u"event,search,request"), Kinds());
    QVERIFY(!automationKinds(u"events"));
    QVERIFY(!automationKinds(u"event,"));
    QCOMPARE(messageOf(notFoundBody()).left(29), QStringLiteral("Path not supported by Insight"));
    QCOMPARE(messageOf("not json"), QString());
}

void EndpointHttpTest::methods()
{
    QVERIFY(isMethodAllowed(Route::Events, "POST"));
    QVERIFY(isMethodAllowed(Route::Events, "GET"));
    QVERIFY(!isMethodAllowed(Route::Events, "PUT"));
    QVERIFY(!isMethodAllowed(Route::Events, "DELETE"));
    QVERIFY(isMethodAllowed(Route::UserToken, "DELETE"));
    QVERIFY(!isMethodAllowed(Route::UserToken, "POST"));
    QVERIFY(isMethodAllowed(Route::DebuggerEvents, "DELETE"));
    QVERIFY(!isMethodAllowed(Route::DebuggerStats, "DELETE"));
    QVERIFY(isInsightsRoute(Route::InsightsUnknown));
    QVERIFY(!isInsightsRoute(Route::DebuggerEvents));
}

void EndpointHttpTest::bodies()
{
    QCOMPARE(okBody(), QByteArray(R"({"status":200,"message":"OK"})"));
    QCOMPARE(statusBody(422, QStringLiteral("Say \"hi\"")),
             QByteArray(R"({"status":422,"message":"Say \"hi\""})"));
    QCOMPARE(invalidCredentialsBody(), QByteArray(R"({"status":401,"message":"Invalid credentials"})"));
    QCOMPARE(methodNotAllowedBody(), QByteArray(R"({"status":405,"message":"Method Not Allowed"})"));
    QCOMPARE(tooLargeBody(), QByteArray(R"({"status":413,"message":"Request Entity Too Large"})"));
    QVERIFY(
        notFoundBody().startsWith(R"({"status":404,"message":"Path not supported by Insights REST API.)"));
}

void EndpointHttpTest::inflate()
{
    const QByteArray json = R"({"events":[{"eventType":"view"}]})";
    for (const int windowBits : {16 + MAX_WBITS, MAX_WBITS}) { // gzip and zlib framing
        const InflateResult result = inflateBody(compress(json, windowBits), 2'000'000);
        QCOMPARE(int(result.status), int(InflateStatus::Ok));
        QCOMPARE(result.data, json);
    }
    // The cap is on the output: a tiny bomb stops at the limit.
    const QByteArray bomb = compress(QByteArray(10'000'000, ' '), 16 + MAX_WBITS);
    QVERIFY(bomb.size() < 50'000);
    QCOMPARE(int(inflateBody(bomb, 2'000'000).status), int(InflateStatus::TooLarge));
    QCOMPARE(int(inflateBody(compress(QByteArray(2'000'000, ' '), 16 + MAX_WBITS), 2'000'000).status),
             int(InflateStatus::Ok));
    QCOMPARE(int(inflateBody(compress(QByteArray(2'000'001, ' '), 16 + MAX_WBITS), 2'000'000).status),
             int(InflateStatus::TooLarge));
    QByteArray truncated = compress(json, 16 + MAX_WBITS);
    truncated.chop(6);
    QCOMPARE(int(inflateBody(truncated, 2'000'000).status), int(InflateStatus::Corrupt));
    QCOMPARE(int(inflateBody("not gzip at all", 2'000'000).status), int(InflateStatus::Corrupt));
}

void EndpointHttpTest::hosts_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QString>("listen");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("127.0.0.1:8421") << QByteArray("127.0.0.1:8421") << QStringLiteral("127.0.0.1") << true;
    QTest::newRow("localhost:8421") << QByteArray("localhost:8421") << QStringLiteral("127.0.0.1") << true;
    QTest::newRow("[::1]:8421") << QByteArray("[::1]:8421") << QStringLiteral("127.0.0.1") << true;
    QTest::newRow("LAN address it listens on")
        << QByteArray("192.168.1.5:8421") << QStringLiteral("192.168.1.5") << true;
    QTest::newRow("LAN address it does not listen on")
        << QByteArray("192.168.1.5:8421") << QStringLiteral("0.0.0.0") << false;
    QTest::newRow("wrong port") << QByteArray("127.0.0.1:8422") << QStringLiteral("127.0.0.1") << false;
    QTest::newRow("no port") << QByteArray("127.0.0.1") << QStringLiteral("127.0.0.1") << false;
    QTest::newRow("rebinding name") << QByteArray("evil.example:8421") << QStringLiteral("127.0.0.1")
                                    << false;
    QTest::newRow("empty") << QByteArray() << QStringLiteral("127.0.0.1") << false;
    QTest::newRow("bracket without close") << QByteArray("[::1:8421") << QStringLiteral("127.0.0.1") << false;
}

void EndpointHttpTest::hosts()
{
    QFETCH(QByteArray, host);
    QFETCH(QString, listen);
    QFETCH(bool, allowed);
    QCOMPARE(isAllowedAutomationHost(host, listen, 8421), allowed);
}

void EndpointHttpTest::origins_data()
{
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("none (not a browser)") << QByteArray() << true;
    QTest::newRow("http://localhost:3000") << QByteArray("http://localhost:3000") << true;
    QTest::newRow("http://127.0.0.1:8421") << QByteArray("http://127.0.0.1:8421") << true;
    QTest::newRow("https://127.0.0.2") << QByteArray("https://127.0.0.2") << true;
    QTest::newRow("http://[::1]:5173") << QByteArray("http://[::1]:5173") << true;
    QTest::newRow("foreign site") << QByteArray("https://evil.example") << false;
    QTest::newRow("LAN page") << QByteArray("http://192.168.1.5:8080") << false;
    QTest::newRow("localhost as a subdomain") << QByteArray("http://localhost.evil.example") << false;
    QTest::newRow("null (sandboxed, file://)") << QByteArray("null") << false;
    QTest::newRow("file scheme") << QByteArray("file://localhost") << false;
}

void EndpointHttpTest::origins()
{
    QFETCH(QByteArray, origin);
    QFETCH(bool, allowed);
    QCOMPARE(isAllowedAutomationOrigin(origin), allowed);
}

void EndpointHttpTest::dates()
{
    QCOMPARE(parseIsoDate(u"2026-08-21T10:00:00.000Z"), std::optional<qint64>(1787306400000));
    QCOMPARE(parseIsoDate(u"2026-08-21T10:00:03Z"), std::optional<qint64>(1787306403000));
    // An unencoded '+' arrives as a space.
    QCOMPARE(parseIsoDate(u"2026-08-21T12:00:00.000 02:00"), std::optional<qint64>(1787306400000));
    QCOMPARE(parseIsoDate(u"yesterday"), std::nullopt);
}

void EndpointHttpTest::rateLimit()
{
    RateLimitWindow window;
    const qint64 now = 1'787'306'400'000;
    RateLimitDecision decision = takeRateLimit(window, now);
    QVERIFY(decision.allowed);
    QCOMPARE(decision.headers.at(0).second, QByteArray("100"));
    QCOMPARE(decision.headers.at(1).second, QByteArray("99"));
    QCOMPARE(decision.headers.at(2).second, QByteArray::number(now / 1000 + 60));
    decision = takeRateLimit(window, now + 1000);
    QCOMPARE(decision.headers.at(1).second, QByteArray("98"));
    for (int i = 2; i < 100; ++i)
        QVERIFY(takeRateLimit(window, now + 2000).allowed);
    // The limit is used: refused, remaining 0, the same reset, until the minute is over.
    decision = takeRateLimit(window, now + 3000);
    QVERIFY(!decision.allowed);
    QCOMPARE(decision.headers.at(1).second, QByteArray("0"));
    QCOMPARE(decision.headers.at(2).second, QByteArray::number(now / 1000 + 60));
    QVERIFY(!takeRateLimit(window, now + 59'000).allowed);
    decision = takeRateLimit(window, now + 61'000); // a new minute
    QVERIFY(decision.allowed);
    QCOMPARE(decision.headers.at(1).second, QByteArray("99"));
}

QTEST_GUILESS_MAIN(EndpointHttpTest)
#include "tst_endpointhttp.moc"
