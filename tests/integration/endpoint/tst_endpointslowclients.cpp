// Slow clients (issue 11 §4), bounded in time, over real loopback sockets: 1,050 connections from another
// address trickling their headers a byte at a time must not starve a developer's pushes, and each of them
// is dropped once its headers are late.

#include "httptestclient.h"

#include "endpoint/embeddedendpoint.h"
#include "endpointfixture.h"
#include "log/eventlog.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace {

RawHeaders credentialHeaders()
{
    return {qMakePair(QByteArray("x-algolia-application-id"), QByteArray("SLOWAPP")),
            qMakePair(QByteArray("x-algolia-api-key"), QByteArray("slow-key"))};
}

QByteArray batch(int i)
{
    return "{\"events\":[{\"eventType\":\"view\",\"eventName\":\"V\",\"index\":\"p\",\"userToken\":\"legit-" +
           QByteArray::number(i) + "\",\"objectIDs\":[\"o\"]}]}";
}

qint64 median(std::vector<qint64> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values.at(values.size() / 2);
}

// A non-blocking socket from 127.0.0.2 (another address than the developer's 127.0.0.1).
int trickler(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(0x7F000002);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 && errno != EINPROGRESS)) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Whether the server closed (or reset) the connection.
bool isClosedByPeer(int fd)
{
    char byte = 0;
    const ssize_t got = ::recv(fd, &byte, 1, MSG_DONTWAIT);
    return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

} // namespace

class EndpointSlowClientsTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void tricklingConnectionsDoNotStarvePushes();

private:
    std::vector<qint64> pushLatencies(int count, int offset);

    QTemporaryDir m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<EmbeddedEndpoint> m_endpoint;
    QNetworkAccessManager m_manager;
    int m_failedPushes = 0;
};

void EndpointSlowClientsTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    EndpointOptions endpointOptions;
    endpointOptions.headerTimeoutSeconds = 3; // shortened so the test stays short; the idle timeout is 30 s
    const QString started = startEndpoint(m_dir, m_log, m_endpoint, endpointOptions);
    QVERIFY2(started.isEmpty(), qPrintable(started));
}

void EndpointSlowClientsTest::cleanupTestCase()
{
    m_endpoint.reset();
    m_log.reset();
}

std::vector<qint64> EndpointSlowClientsTest::pushLatencies(int count, int offset)
{
    std::vector<qint64> latencies;
    const QUrl url(m_endpoint->baseUrl() + QStringLiteral("/1/events"));
    for (int i = 0; i < count; ++i) {
        QElapsedTimer timer;
        timer.start();
        const HttpResult result = httpRequest(m_manager, "POST", url, credentialHeaders(), batch(offset + i));
        latencies.push_back(timer.elapsed());
        if (result.status != 200)
            ++m_failedPushes;
    }
    return latencies;
}

void EndpointSlowClientsTest::tricklingConnectionsDoNotStarvePushes()
{
    const std::vector<qint64> baseline = pushLatencies(30, 0);
    QCOMPARE(m_failedPushes, 0);

    // 1,050 connections from 127.0.0.2, each sending its request line a byte every 500 ms.
    constexpr int attackers = 1050;
    std::vector<int> sockets;
    for (int i = 0; i < attackers; ++i) {
        const int fd = trickler(m_endpoint->port());
        QVERIFY2(fd >= 0, "cannot open a socket from 127.0.0.2");
        sockets.push_back(fd);
    }
    const QByteArray trickle =
        "POST /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + QByteArray(4096, 's');
    qsizetype position = 0;
    QTimer timer;
    timer.setInterval(500);
    QObject::connect(&timer, &QTimer::timeout, &timer, [&] {
        for (const int fd : sockets)
            [[maybe_unused]] const ssize_t sent =
                ::send(fd, trickle.constData() + position, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        position = std::min(position + 1, trickle.size() - 1);
    });
    timer.start();
    QElapsedTimer attack;
    attack.start();
    QTest::qWait(600); // every connection is open and trickling

    const std::vector<qint64> underAttack = pushLatencies(30, 100);
    QCOMPARE(m_failedPushes, 0);

    // Each trickler is gone within the header deadline (3 s, checked every 250 ms) plus slack; those over the
    // per-address limit at once.
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(sockets.cbegin(), sockets.cend(), isClosedByPeer), 15000);
    const qint64 allDropped = attack.elapsed();
    timer.stop();
    for (const int fd : sockets)
        ::close(fd);

    const qint64 before = median(baseline);
    const qint64 during = median(underAttack);
    const qint64 worst = *std::max_element(underAttack.cbegin(), underAttack.cend());
    qInfo("push latency: median %lld ms before, %lld ms during 1,050 trickling connections (max %lld ms); "
          "all tricklers dropped after %lld ms",
          before, during, worst, allDropped);
    // "Their usual latency", with room for this shared machine's noise: never the seconds of a starved queue.
    QVERIFY2(during <= 10 * before + 100, qPrintable(QStringLiteral("median %1 ms").arg(during)));
    QVERIFY2(worst < 2000, qPrintable(QStringLiteral("max %1 ms").arg(worst)));
    QVERIFY2(allDropped < 12000, qPrintable(QStringLiteral("%1 ms").arg(allDropped)));

    // The endpoint still serves after the attack.
    QCOMPARE(pushLatencies(1, 200).size(), std::size_t(1));
    QCOMPARE(m_failedPushes, 0);
}

QTEST_GUILESS_MAIN(EndpointSlowClientsTest)
#include "tst_endpointslowclients.moc"
