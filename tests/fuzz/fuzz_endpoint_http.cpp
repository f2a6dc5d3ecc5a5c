// Fuzzes HTTP request handling end to end: the input is the bytes a client sends on one connection, written
// over a real loopback socket to a running embedded endpoint (its HTTP layer, router, credentials, gzip,
// validator and event log, as `serve` runs them). The client then half-closes and reads the answer. Going
// through a socket keeps this target valid whatever HTTP library the endpoint uses. `@PORT@` in the input
// becomes the endpoint's port (the automation API wants it in the Host header; the port is chosen at start).
// Invariants: every answer starts as an HTTP/1.x response; when the endpoint closes the connection, what it
// wrote is a sequence of well-framed responses (httpframing.h: no second copy of a head, no unframed body,
// nothing after the last); the endpoint survives every input and keeps answering (checked every 64 inputs
// with a real push that must be accepted and stored).
#include "fuzzcheck.h"
#include "httpframing.h"

#include "endpoint/embeddedendpoint.h"
#include "log/eventlog.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QTemporaryDir>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

namespace {

// Bounded so that a request the endpoint waits on (an unfinished body) costs at most the endpoint's own
// idle timeout, not the fuzzer's -timeout.
constexpr int kAnswerTimeoutMs = 4000;
// Once the request is sent, this much silence ends the exchange: some requests (an unfinished header block,
// some answers) keep the connection open after the client's half-close until the endpoint's idle timeout,
// and waiting that long would make the target ~100 times slower. The reset that follows exercises the
// endpoint's handling of clients that go away mid-request.
constexpr int kQuietMs = 100;
constexpr qsizetype kMaxAnswerBytes = 4 * 1024 * 1024;

struct Fixture
{
    QTemporaryDir dir;
    std::unique_ptr<EventLog> log;
    std::unique_ptr<EmbeddedEndpoint> endpoint;
    quint16 port = 0;
    int inputs = 0;
};
Fixture* fixture = nullptr;

// One connection: send everything (as far as the endpoint reads it), half-close, read until the endpoint
// closes, the deadline passes or, with `stopOnSilence`, the endpoint is quiet for kQuietMs. Closed with a
// reset so that no TIME_WAIT piles up on the client side.
QByteArray exchange(QByteArrayView request, bool stopOnSilence = true, int deadlineMs = kAnswerTimeoutMs,
                    bool* closedByEndpoint = nullptr)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(fixture->port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    FUZZ_CHECK(connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    QDeadlineTimer deadline(deadlineMs);
    QByteArray answer;
    qsizetype sent = 0;
    bool writing = true;
    char buffer[16384];
    while (!deadline.hasExpired()) {
        if (writing && sent == request.size()) {
            shutdown(fd, SHUT_WR);
            writing = false;
        }
        pollfd waitFor{fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
        qint64 waitMs = qMax<qint64>(1, deadline.remainingTime());
        if (!writing && stopOnSilence)
            waitMs = qMin<qint64>(waitMs, kQuietMs);
        const int ready = poll(&waitFor, 1, static_cast<int>(waitMs));
        if (ready < 0 && errno == EINTR)
            continue;
        FUZZ_CHECK(ready >= 0);
        if (ready == 0)
            break;
        if (waitFor.revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
            if (got == 0 && closedByEndpoint)
                *closedByEndpoint = true; // an orderly close: everything it wrote has arrived
            if (got <= 0)
                break; // closed (or reset) by the endpoint
            answer.append(buffer, got);
            if (answer.size() > kMaxAnswerBytes)
                break;
        }
        if (writing && (waitFor.revents & POLLOUT)) {
            const ssize_t put =
                send(fd, request.data() + sent, static_cast<size_t>(request.size() - sent), MSG_NOSIGNAL);
            if (put < 0 && errno != EAGAIN && errno != EINTR)
                writing = false; // the endpoint stopped reading: read what it answered
            else if (put > 0)
                sent += put;
        }
    }
    const linger reset{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(fd);
    return answer;
}

void checkStillServing()
{
    const QByteArray body =
        "{\"events\":[{\"eventType\":\"view\",\"eventName\":\"Fuzz alive\",\"index\":\"movies\","
        "\"userToken\":\"fuzz-alive\",\"objectIDs\":[\"1\"]}]}";
    const QByteArray request =
        "POST /1/events HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(fixture->port) +
        "\r\nConnection: close\r\n"
        "x-algolia-application-id: FUZZ\r\nx-algolia-api-key: fuzz\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        QByteArray::number(body.size()) + "\r\n\r\n" + body;
    const QByteArray answer = exchange(request, false, 60'000); // generous: a commit on a loaded machine
    if (!answer.startsWith("HTTP/1.1 200")) {
        std::fprintf(stderr, "the endpoint no longer accepts a valid push; it answered: %s\n",
                     answer.left(300).constData());
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    static int appArgc = 1;
    static QCoreApplication app(appArgc, *argv);
    (void)argc;
    fixture = new Fixture; // lives as long as the process: the endpoint's threads use it to the end
    FUZZ_CHECK(fixture->dir.isValid());
    EventLogOptions logOptions;
    logOptions.path = fixture->dir.filePath(QStringLiteral("events.sqlite"));
    logOptions.retention = 20'000; // the log stays small however long the run
    EventLog::OpenResult opened = EventLog::open(logOptions);
    if (!opened.log) {
        std::fprintf(stderr, "cannot open the event log: %s\n", qPrintable(opened.error));
        std::abort();
    }
    fixture->log = std::move(opened.log);
    fixture->endpoint = std::make_unique<EmbeddedEndpoint>(fixture->log.get());
    EndpointOptions options;
    options.port = 0;
    options.idleTimeoutSeconds = 2;
    options.threads = 2;
    if (const std::optional<QString> error = fixture->endpoint->start(options)) {
        std::fprintf(stderr, "cannot start the endpoint: %s\n", qPrintable(*error));
        std::abort();
    }
    fixture->port = fixture->endpoint->port();
    // libFuzzer ends with exit(), which destroys the function-local statics while the endpoint's threads may
    // still be serving the last input (a feed still reading the log): stop the endpoint first. A static is
    // destroyed after an exit handler only when it was built before the handler was registered, so the
    // routes with such statics (push, feed, automation API) are run once before registering it.
    const QByteArray port = QByteArray::number(fixture->port);
    for (const QByteArray& warmUp : QList<QByteArray>{
             QByteArray("GET /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nx-algolia-application-id: FUZZ\r\n"
                        "x-algolia-api-key: fuzz\r\nConnection: close\r\n\r\n"),
             QByteArray("GET /debugger/events?limit=5 HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                        "\r\nConnection: close\r\n\r\n"),
             QByteArray("GET /debugger/stats HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                        "\r\nConnection: close\r\n\r\n")})
        exchange(warmUp, false, 60'000);
    checkStillServing();
    std::atexit([] { fixture->endpoint->stop(); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    QByteArray request = fuzzBytes(data, size).toByteArray();
    request.replace("@PORT@", QByteArray::number(fixture->port));
    bool closed = false;
    const QByteArray answer = exchange(request, true, kAnswerTimeoutMs, &closed);
    if (!answer.isEmpty() && !answer.startsWith("HTTP/1.")) {
        std::fprintf(stderr, "not an HTTP answer: %s\n",
                     answer.left(300).toPercentEncoding(" :/\r\n").constData());
        std::abort();
    }
    // A HEAD's answer has a length but no body: without knowing which answer is whose, skip those inputs.
    if (closed && !request.contains("HEAD ")) {
        if (const FramedResponses framed = parseFramedResponses(answer); !framed.error.isEmpty()) {
            std::fprintf(stderr, "mis-framed answers (%s): %s\n", qPrintable(framed.error),
                         answer.left(600).toPercentEncoding(" :/\r\n").constData());
            std::abort();
        }
    }
    if (++fixture->inputs % 64 == 0)
        checkStillServing();
    return 0;
}
