#pragma once

// The embedded endpoint's HTTP/1.1 server (issue 11 §3), the project's one wrapper of Boost.Beast and
// Boost.Asio (their headers are included by httpserver.cpp only: they compile slowly). libmicrohttpd 0.9.75,
// Debian's, sent several of its own error answers twice (its state machine overwrote the state its error
// path had set, so the headers were built a second time) and left some malformed request lines unanswered;
// no option avoided it. Here every request the parser refuses gets exactly one well-framed answer with a
// JSON body in Algolia's shape, then the connection closes.
//
// What the server does itself: accepting (a cap on connections, and one per client address), the
// deadlines of slow clients (a request's line and headers within the header timeout, its body at a minimum
// rate, an idle keep-alive connection dropped), 100 Continue, keep-alive with one answer per request in
// order (pipelining-safe: the next request is read once the answer is written), and answers given later
// from any thread (once the log has committed) without holding a thread while they wait.
// What it leaves to its HttpHandler: every decision about a parsed request.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

// A chunk of a streamed answer; nullopt at its end, or when it failed part-way (`error` set: the answer is
// then cut off without its last chunk, so that the client sees an error, not a complete short answer).
using HttpChunkProducer = std::function<std::optional<QByteArray>(QString* error)>;

struct HttpAnswer
{
    int status = 200;
    QByteArray body;     // sent with its Content-Length (none for 204 and 304)
    HttpHeaders headers; // Content-Type included, as the handler wants it
};

class HttpConnection;

// One request, from its parsed head to its answer, shared by the connection and whoever answers it (on any
// thread). The first answer wins; an answer for a connection that is gone is dropped.
class HttpExchange final : public std::enable_shared_from_this<HttpExchange>
{
    Q_DISABLE_COPY_MOVE(HttpExchange)

public:
    explicit HttpExchange(std::shared_ptr<HttpConnection> connection);
    ~HttpExchange();

    // The request's head, as parsed.
    QByteArray method;
    QByteArray target;   // as sent, not percent-decoded, query included
    int version = 11;    // 10 or 11
    HttpHeaders headers; // names lowercased, in order
    QString remoteAddress;
    qint64 headBytes = 0;      // request line and headers as they were on the wire
    bool bodyExpected = false; // a Content-Length above 0 or a Transfer-Encoding

    // The first header of that name (give it lowercase), empty when absent; how many there are.
    QByteArray header(QByteArrayView lowercaseName) const;
    int headerCount(QByteArrayView lowercaseName) const;

    // The endpoint's own state for this request.
    std::shared_ptr<void> context;

    void respond(HttpAnswer answer);
    // A 200-like answer of unknown length, written chunk by chunk on the connection's thread as produced.
    void respondStream(int status, HttpHeaders headers, HttpChunkProducer producer);
    // The answer is sent at release() or `maxWaitMs` from now, whichever comes first.
    void respondAfter(HttpAnswer answer, int maxWaitMs);
    void release();
    // Whether respond*() was called (the answer may still be held by respondAfter()).
    bool answered() const;

private:
    friend class HttpConnection;
    void detach(); // the connection is done with this exchange: later answers are dropped
    template <typename Work>
    void toConnection(Work&& work); // runs `work` on the connection's thread while it serves this exchange

    mutable std::mutex m_mutex;
    std::shared_ptr<HttpConnection> m_connection;
    bool m_claimed = false;
    bool m_sent = false;
    std::optional<HttpAnswer> m_held;
};

// What the server asks of the endpoint; called on the server's threads, one connection at a time.
class HttpHandler
{
public:
    virtual ~HttpHandler() = default;
    // The head is parsed. Answering here refuses the request: its body is not read (the connection closes
    // after the answer when one was on its way). Otherwise the body is read (after 100 Continue if asked).
    virtual void onHead(const std::shared_ptr<HttpExchange>& exchange) = 0;
    // A piece of the body. false: read no more (the server answers 413 and closes).
    virtual bool onBody(HttpExchange& exchange, const char* data, qsizetype size) = 0;
    // The whole request is read and not answered yet: answer now or later, from any thread.
    virtual void onRequest(const std::shared_ptr<HttpExchange>& exchange) = 0;
    // Once per onHead(): the answer is written, or the connection went away first.
    virtual void onFinished(HttpExchange& exchange) = 0;
};

struct HttpServerOptions
{
    QString host = QStringLiteral("127.0.0.1"); // an IPv4 or IPv6 address, or "localhost"
    quint16 port = 0;                           // 0 = a free port
    int threads = 1;            // each runs its own event loop; a connection stays on the one it was dealt
    int connectionLimit = 1000; // at the cap, new connections wait to be accepted
    int perAddressConnectionLimit = 256; // beyond it, a new connection of that address is closed
    int headerTimeoutMs = 10'000;        // from the connection (or a keep-alive request's first byte)
    int idleTimeoutMs = 30'000;          // a client silent this long (between or within requests) is dropped
    qint64 minBodyBytesPerSecond = 8 * 1024; // averaged since the head, checked after headerTimeoutMs
    qint64 maxHeadBytes = 256 * 1024;        // beyond it the parser stops: 431 from the server
};

class HttpServer final
{
    Q_DISABLE_COPY_MOVE(HttpServer)

public:
    explicit HttpServer(HttpHandler* handler);
    ~HttpServer();

    // nullopt once listening, else the error (one line).
    std::optional<QString> listen(const HttpServerOptions& options);
    quint16 port() const;
    bool isListening() const;
    // No new connections from here; those open go on.
    void stopAccepting();
    // Closes every connection (answers still owed are dropped) and joins the threads.
    void stop();

private:
    friend class HttpConnection;
    struct Private;
    std::shared_ptr<Private> d;
};
