#include "httpserver.h"

#include "endpointhttp.h"

#include <QHostAddress>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// The answer to a request the parser refused, and what it says. One place for the wording of the server's
// own errors; the JSON shape is Algolia's (EndpointHttp::statusBody).
struct ParseRefusal
{
    int status;
    const char* message;
};

ParseRefusal refusalFor(const beast::error_code& error)
{
    if (error == http::error::header_limit)
        return {431, "Request Header Fields Too Large: the request line and headers are too long"};
    if (error == http::error::body_limit || error == http::error::buffer_overflow)
        return {413, "Request Entity Too Large"};
    if (error == http::error::bad_method || error == http::error::bad_target ||
        error == http::error::bad_version || error == http::error::bad_line_ending)
        // The parser reads HTTP/1.0 and HTTP/1.1 only: "HTTP/2.0" is refused here too.
        return {400, "Bad Request: malformed request line (expected METHOD /path HTTP/1.1)"};
    if (error == http::error::bad_content_length)
        return {400, "Bad Request: invalid Content-Length header"};
    if (error == http::error::bad_transfer_encoding)
        return {400, "Bad Request: invalid Transfer-Encoding header (or both it and Content-Length)"};
    if (error == http::error::bad_chunk || error == http::error::bad_chunk_extension)
        return {400, "Bad Request: malformed chunked body"};
    return {400, "Bad Request: malformed request headers"};
}

// Errors that mean the client went away or was too slow: nothing to answer.
bool isTransportEnd(const beast::error_code& error)
{
    return error == http::error::end_of_stream || error == http::error::partial_message ||
           error == net::error::operation_aborted || error.category() == net::error::get_system_category() ||
           error.category() == net::error::get_misc_category();
}

constexpr std::size_t kHeadReadBytes = 16 * 1024;
constexpr std::size_t kBodyReadBytes = 64 * 1024;

void appendText(std::string& out, const QByteArray& text)
{
    out.append(text.constData(), static_cast<std::size_t>(text.size()));
}

// An answer's status line and headers, as Beast's serializer writes a response that
// http::message::prepare_payload() framed: the handler's headers in order, "Connection: close" when the
// connection ends after it, and a Content-Length always (0 included, 204 included). Written here instead of
// through http::response, whose fields cost an allocation each for every answer.
void writeAnswerHead(std::string& out, int status, const HttpHeaders& headers, bool keepAlive,
                     qsizetype bodySize)
{
    out.clear();
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    const beast::string_view reason = http::obsolete_reason(static_cast<http::status>(status));
    out.append(reason.data(), reason.size());
    out += "\r\n";
    for (const auto& [name, value] : headers) {
        // The framing is the server's alone (as prepare_payload() replaced these).
        if (name.compare("content-length", Qt::CaseInsensitive) == 0 ||
            name.compare("transfer-encoding", Qt::CaseInsensitive) == 0)
            continue;
        appendText(out, name);
        out += ": ";
        appendText(out, value);
        out += "\r\n";
    }
    if (!keepAlive)
        out += "Connection: close\r\n";
    out += "Content-Length: ";
    out += std::to_string(bodySize);
    out += "\r\n\r\n";
}

QByteArray bytesOf(beast::string_view text)
{
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

// Text that lives as long as the program, shared without a copy (and without a reference count).
QByteArray staticBytes(beast::string_view text)
{
    return QByteArray::fromRawData(text.data(), static_cast<qsizetype>(text.size()));
}

// A header's name in lowercase. The names Beast knows (Host, Content-Type, User-Agent...; it matches them
// whatever their case) come from a table made once, so that a request's usual headers cost no allocation
// for their names.
QByteArray lowercaseName(http::field field, beast::string_view name)
{
    static const std::vector<std::string> known = [] {
        std::vector<std::string> names(static_cast<std::size_t>(http::field::xref) + 1);
        for (std::size_t i = 1; i < names.size(); ++i) {
            const beast::string_view text = http::to_string(static_cast<http::field>(i));
            names[i].assign(text.data(), text.size());
            std::transform(names[i].begin(), names[i].end(), names[i].begin(), [](char c) {
                return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
            });
        }
        return names;
    }();
    const auto index = static_cast<std::size_t>(field);
    if (field == http::field::unknown || index >= known.size())
        return bytesOf(name).toLower();
    return staticBytes(known[index]);
}

// The request parser: Beast's own parser with our storage, so that no header size limit but ours applies
// (beast::http::fields refuses a value over 64 KB, by throwing) and the body goes to the handler as it is
// parsed, without a copy.
class RequestParser final : public http::basic_parser<true>
{
public:
    explicit RequestParser(std::function<bool(const char*, std::size_t)> bodySink)
        : m_bodySink(std::move(bodySink))
    {}

    http::verb verb = http::verb::unknown;
    QByteArray method;
    QByteArray target;
    int version = 11;
    HttpHeaders headers;
    qint64 headBytes = 0;
    bool bodyRefused = false; // the sink said no: the read ends with body_limit

    QByteArray header(QByteArrayView lowercaseName) const
    {
        for (const auto& [name, value] : headers) {
            if (name == lowercaseName)
                return value;
        }
        return {};
    }

private:
    void on_request_impl(http::verb method, beast::string_view methodText, beast::string_view requestTarget,
                         int httpVersion, beast::error_code&) override
    {
        verb = method;
        // A method Beast knows is spelled exactly as its own text (it matches them case-sensitively).
        this->method =
            method == http::verb::unknown ? bytesOf(methodText) : staticBytes(http::to_string(method));
        target = bytesOf(requestTarget);
        version = httpVersion;
        headers.reserve(16);
        headBytes = this->method.size() + target.size() + 12; // " ", " HTTP/1.1\r\n"
    }
    void on_response_impl(int, beast::string_view, int, beast::error_code& error) override
    {
        error = http::error::bad_version; // a request parser never reads a status line
    }
    void on_field_impl(http::field field, beast::string_view name, beast::string_view value,
                       beast::error_code&) override
    {
        headers.append({lowercaseName(field, name), bytesOf(value)});
        headBytes += static_cast<qint64>(name.size() + value.size() + 4);
    }
    void on_header_impl(beast::error_code&) override { headBytes += 2; }
    void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
    std::size_t on_body_impl(beast::string_view body, beast::error_code& error) override
    {
        return sink(body, error);
    }
    void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code& error) override
    {
        return sink(body, error);
    }
    void on_finish_impl(beast::error_code&) override {}

    std::size_t sink(beast::string_view body, beast::error_code& error)
    {
        if (!body.empty() && !m_bodySink(body.data(), body.size())) {
            bodyRefused = true;
            error = http::error::body_limit;
        }
        return body.size();
    }

    std::function<bool(const char*, std::size_t)> m_bodySink;
};

} // namespace

// Each server thread runs its own io_context and serves the connections it was given for their whole life:
// no strand, no hand-over between the threads (the scheduler of a shared io_context wakes the other thread
// for every completion), and the handlers of a connection run in order on one thread.
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Timer = net::basic_waitable_timer<Clock, net::wait_traits<Clock>, Executor>;

struct HttpServer::Private : std::enable_shared_from_this<HttpServer::Private>
{
    HttpHandler* handler = nullptr;
    HttpServerOptions options;
    // Made by listen(), one per thread; the acceptor is on the first. stop() joins the threads, then
    // destroys them, the first first (its pending accept holds a socket of another), with whatever was
    // posted to them too late (never run: `alive` is false by then, so nothing more is posted).
    std::vector<std::unique_ptr<net::io_context>> contexts;
    std::optional<tcp::acceptor> acceptor;
    std::vector<net::executor_work_guard<Executor>> work;
    std::vector<std::thread> threads;
    std::size_t nextContext = 0; // the acceptor's thread only: connections are dealt round-robin
    quint16 port = 0;

    // Guards the connection counts, the live set, `alive` and the acceptor's pause.
    std::mutex mutex;
    bool alive = false;        // false: answers are dropped (the context is stopping or gone)
    bool accepting = false;    // an accept is pending or may be started
    bool acceptPaused = false; // at the connection cap: resumed when a connection closes
    int connections = 0;
    std::map<QByteArray, int> perAddress;
    std::map<HttpConnection*, std::weak_ptr<HttpConnection>> live;

    void accept();
    void onAccepted(const beast::error_code& error, Socket socket);
    void released(const QByteArray& address, HttpConnection* connection);
};

class HttpConnection final : public std::enable_shared_from_this<HttpConnection>
{
public:
    HttpConnection(std::shared_ptr<HttpServer::Private> server, Socket socket, QByteArray address,
                   QString remoteAddress)
        : m_server(std::move(server))
        , m_socket(std::move(socket))
        , m_deadlineTimer(m_socket.get_executor())
        , m_holdTimer(m_socket.get_executor())
        , m_address(std::move(address))
        , m_remoteAddress(std::move(remoteAddress))
        , m_connectedAt(Clock::now())
        , m_checkEvery(std::chrono::milliseconds(
              std::max(1, std::min(options().headerTimeoutMs, options().idleTimeoutMs))))
    {}

    ~HttpConnection() { m_server->released(m_address, this); }

    void start()
    {
        // Answers are written at once when the socket takes them (almost always): no operation to queue.
        beast::error_code ignored;
        m_socket.non_blocking(true, ignored);
        waitForRequest(true);
    }
    Executor executor() { return m_socket.get_executor(); }

    // From any thread.
    template <typename Work>
    void post(Work&& work)
    {
        std::lock_guard locker(m_server->mutex);
        if (!m_server->alive)
            return;
        net::post(m_socket.get_executor(),
                  [self = shared_from_this(), work = std::forward<Work>(work)]() mutable { work(*self); });
    }

    void close()
    {
        beast::error_code ignored;
        m_deadline = kNoDeadline;
        if (m_deadlineArmed)
            m_deadlineTimer.cancel();
        if (m_holding) {
            m_holding = false;
            m_holdTimer.cancel();
        }
        if (m_socket.is_open()) {
            m_socket.shutdown(tcp::socket::shutdown_both, ignored);
            m_socket.close(ignored);
        }
        finishExchange();
    }

    void send(HttpAnswer answer);
    void sendStream(int status, HttpHeaders headers, HttpChunkProducer producer);
    void hold(int maxWaitMs, const std::weak_ptr<HttpExchange>& exchange);
    // Whether `exchange` is the request this connection is answering.
    bool serves(const HttpExchange& exchange) const { return m_exchange.get() == &exchange; }

private:
    static constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

    const HttpServerOptions& options() const { return m_server->options; }
    void waitForRequest(bool first);
    void readHead();
    void parseHead();
    void onHead();
    void onParseError(const beast::error_code& error);
    void readBody();
    bool bodyPiece(const char* data, std::size_t size);
    void refuse(int status, const char* message);
    bool keepAlive() const;
    void finishExchange();
    void written(const beast::error_code& error, bool keepAlive);
    void lingerClose();
    void drain();
    void nextChunk(std::shared_ptr<HttpChunkProducer> producer, bool keepAlive);
    void setDeadline(Clock::time_point due);
    void armDeadlineTimer(Clock::time_point at);

    std::shared_ptr<HttpServer::Private> m_server;
    Socket m_socket;
    // The deadline of what the connection waits for (a request, a body, a write to drain): past it the
    // connection is dropped. Moving it costs nothing: the timer is armed at most `m_checkEvery` ahead, so a
    // deadline set later (now plus a timeout) never comes before it, and it compares when it fires, instead
    // of a timer armed and cancelled for every read and write.
    Clock::time_point m_deadline = kNoDeadline;
    Timer m_deadlineTimer;
    Clock::time_point m_deadlineTimerAt;
    bool m_deadlineArmed = false;
    quint64 m_deadlineGeneration = 0; // tells a cancelled wait from the current one
    Timer m_holdTimer;                // a held answer's deadline
    bool m_holding = false;
    beast::flat_buffer m_buffer;
    std::optional<RequestParser> m_parser;
    std::shared_ptr<HttpExchange> m_exchange;
    QByteArray m_address;
    QString m_remoteAddress; // as the exchanges report it, worked out once
    Clock::time_point m_connectedAt;
    Clock::duration m_checkEvery;
    Clock::time_point m_headDue;
    Clock::time_point m_bodyStart;
    qint64 m_bodyBytes = 0;
    bool m_bodyRead = false;
    bool m_writing = false;
    // The answer being written: its head, serialised here (the capacity is kept from one answer to the
    // next), and its body, referenced as the handler made it.
    std::string m_answerHead;
    QByteArray m_answerBody;
    char m_drain[16 * 1024];
};

// --- HttpExchange ---------------------------------------------------------------------------------------

HttpExchange::HttpExchange(std::shared_ptr<HttpConnection> connection)
    : m_connection(std::move(connection))
{}

HttpExchange::~HttpExchange() = default;

QByteArray HttpExchange::header(QByteArrayView lowercaseName) const
{
    for (const auto& [name, value] : headers) {
        if (name == lowercaseName)
            return value;
    }
    return {};
}

int HttpExchange::headerCount(QByteArrayView lowercaseName) const
{
    return static_cast<int>(std::count_if(headers.cbegin(), headers.cend(),
                                          [&](const auto& header) { return header.first == lowercaseName; }));
}

// The answers go to the connection's thread outside the exchange's lock: that thread often runs at once and
// takes the lock (detach()) while the poster still held it.
template <typename Work>
void HttpExchange::toConnection(Work&& work)
{
    std::shared_ptr<HttpConnection> connection;
    {
        std::lock_guard locker(m_mutex);
        connection = m_connection;
    }
    if (!connection)
        return;
    // Dropped if the connection is done with this exchange by then (it closed meanwhile).
    connection->post(
        [exchange = shared_from_this(), work = std::forward<Work>(work)](HttpConnection& on) mutable {
            if (on.serves(*exchange))
                work(on);
        });
}

void HttpExchange::respond(HttpAnswer answer)
{
    {
        std::lock_guard locker(m_mutex);
        if (m_claimed)
            return;
        m_claimed = m_sent = true;
    }
    toConnection([answer = std::move(answer)](HttpConnection& connection) mutable {
        connection.send(std::move(answer));
    });
}

void HttpExchange::respondStream(int status, HttpHeaders headers, HttpChunkProducer producer)
{
    {
        std::lock_guard locker(m_mutex);
        if (m_claimed)
            return;
        m_claimed = m_sent = true;
    }
    toConnection([status, headers = std::move(headers),
                  producer = std::move(producer)](HttpConnection& connection) mutable {
        connection.sendStream(status, std::move(headers), std::move(producer));
    });
}

void HttpExchange::respondAfter(HttpAnswer answer, int maxWaitMs)
{
    {
        std::lock_guard locker(m_mutex);
        if (m_claimed)
            return;
        m_claimed = true;
        m_held = std::move(answer);
    }
    toConnection([maxWaitMs, exchange = weak_from_this()](HttpConnection& connection) {
        connection.hold(maxWaitMs, exchange);
    });
}

void HttpExchange::release()
{
    std::optional<HttpAnswer> held;
    {
        std::lock_guard locker(m_mutex);
        if (m_sent || !m_held)
            return;
        m_sent = true;
        held = std::move(m_held);
        m_held.reset();
    }
    toConnection([answer = std::move(*held)](HttpConnection& connection) mutable {
        connection.send(std::move(answer));
    });
}

bool HttpExchange::answered() const
{
    std::lock_guard locker(m_mutex);
    return m_claimed;
}

void HttpExchange::detach()
{
    std::lock_guard locker(m_mutex);
    m_connection.reset();
    m_held.reset();
}

// --- HttpConnection -------------------------------------------------------------------------------------

void HttpConnection::setDeadline(Clock::time_point due)
{
    m_deadline = due;
    if (m_deadlineArmed && m_deadlineTimerAt <= due)
        return; // the timer wakes first and looks again
    armDeadlineTimer(std::min(due, Clock::now() + m_checkEvery));
}

void HttpConnection::armDeadlineTimer(Clock::time_point at)
{
    m_deadlineTimerAt = at;
    m_deadlineArmed = true;
    const quint64 generation = ++m_deadlineGeneration;
    m_deadlineTimer.expires_at(at); // cancels the wait before, if any: its handler sees another generation
    m_deadlineTimer.async_wait([self = shared_from_this(), generation](const beast::error_code& error) {
        if (generation != self->m_deadlineGeneration)
            return;
        self->m_deadlineArmed = false;
        if (error || self->m_deadline == kNoDeadline)
            return;
        const auto now = Clock::now();
        if (now >= self->m_deadline)
            return self->close(); // the pending read or write ends with operation_aborted
        self->armDeadlineTimer(std::min(self->m_deadline, now + self->m_checkEvery));
    });
}

void HttpConnection::waitForRequest(bool first)
{
    // A request's line and headers are due within the header timeout of the connection (of its first byte
    // on keep-alive); a client silent for the idle timeout before its first byte is dropped.
    if (m_buffer.size() > 0) { // pipelined: the next request is here already
        m_headDue = Clock::now() + std::chrono::milliseconds(options().headerTimeoutMs);
        readHead();
        return;
    }
    const auto now = Clock::now();
    const auto idleDue = now + std::chrono::milliseconds(options().idleTimeoutMs);
    if (first) {
        m_headDue = m_connectedAt + std::chrono::milliseconds(options().headerTimeoutMs);
        setDeadline(std::min(idleDue, m_headDue));
    } else {
        setDeadline(idleDue);
    }
    m_socket.async_read_some(m_buffer.prepare(kHeadReadBytes), [self = shared_from_this(), first](
                                                                   beast::error_code error, std::size_t n) {
        if (error)
            return self->close();
        self->m_buffer.commit(n);
        if (!first)
            self->m_headDue = Clock::now() + std::chrono::milliseconds(self->options().headerTimeoutMs);
        self->readHead();
    });
}

void HttpConnection::readHead()
{
    m_parser.emplace([this](const char* data, std::size_t size) { return bodyPiece(data, size); });
    m_parser->header_limit(
        static_cast<std::uint32_t>(std::clamp<qint64>(options().maxHeadBytes, 1024, qint64(1) << 30)));
    // The handler judges the body's size (413 of its own). Not boost::none: Beast 1.74 compares a
    // Content-Length with an empty limit as if it were over it.
    m_parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    m_parser->eager(false); // the head alone: the handler sees it before any of the body
    m_bodyRead = false;
    m_bodyBytes = 0;
    setDeadline(m_headDue);
    parseHead();
}

void HttpConnection::parseHead()
{
    // Parsed here from the buffer, read by the connection itself (what http::async_read_header does, without
    // its composed operation and the hop it posts when the head was read already).
    if (m_buffer.size() > 0) {
        beast::error_code error;
        m_buffer.consume(m_parser->put(m_buffer.data(), error));
        if (error && error != http::error::need_more)
            return onParseError(error);
        if (!error && m_parser->is_header_done())
            return onHead();
    }
    m_socket.async_read_some(m_buffer.prepare(kHeadReadBytes),
                             [self = shared_from_this()](beast::error_code error, std::size_t n) {
                                 if (error) // the client went away or was too slow: nothing to answer
                                     return self->close();
                                 self->m_buffer.commit(n);
                                 self->parseHead();
                             });
}

bool HttpConnection::bodyPiece(const char* data, std::size_t size)
{
    m_bodyBytes += static_cast<qint64>(size);
    return !m_exchange || m_server->handler->onBody(*m_exchange, data, static_cast<qsizetype>(size));
}

void HttpConnection::onParseError(const beast::error_code& error)
{
    if (m_parser && m_parser->bodyRefused)
        return refuse(413, "Request Entity Too Large");
    if (isTransportEnd(error))
        return close();
    const ParseRefusal refusal = refusalFor(error);
    refuse(refusal.status, refusal.message);
}

void HttpConnection::onHead()
{
    RequestParser& request = *m_parser;
    auto exchange = std::make_shared<HttpExchange>(shared_from_this());
    exchange->method = request.method;
    exchange->target = request.target;
    exchange->version = request.version >= 11 ? 11 : 10;
    exchange->headers = std::move(request.headers);
    request.headers.clear();
    exchange->headBytes = request.headBytes;
    exchange->remoteAddress = m_remoteAddress;
    const auto length = request.content_length();
    exchange->bodyExpected =
        request.chunked() || (length && *length > 0) || !exchange->header("transfer-encoding").isEmpty();
    m_exchange = exchange;
    m_server->handler->onHead(exchange);
    if (exchange->answered() || !m_exchange)
        return; // refused: the answer comes (now or once logged); the body is not read
    if (m_parser->is_done()) {
        m_bodyRead = true;
        m_deadline = kNoDeadline; // answered once the log commits: no deadline meanwhile
        m_server->handler->onRequest(exchange);
        return;
    }
    m_bodyStart = Clock::now();
    m_parser->eager(true); // from here, all of the body the buffer holds at each step
    if (exchange->header("expect").trimmed().compare("100-continue", Qt::CaseInsensitive) == 0) {
        static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        setDeadline(m_bodyStart + std::chrono::milliseconds(options().idleTimeoutMs));
        net::async_write(m_socket, net::buffer(kContinue, sizeof kContinue - 1),
                         [self = shared_from_this()](beast::error_code error, std::size_t) {
                             if (error)
                                 return self->close();
                             self->readBody();
                         });
        return;
    }
    readBody();
}

void HttpConnection::readBody()
{
    // What the buffer holds first (most bodies came with their head), then reads.
    if (m_buffer.size() > 0) {
        beast::error_code error;
        m_buffer.consume(m_parser->put(m_buffer.data(), error));
        if (error && error != http::error::need_more)
            return onParseError(error);
        if (!m_exchange)
            return close();
        if (m_parser->is_done()) {
            m_bodyRead = true;
            m_deadline = kNoDeadline; // answered once the log commits: no deadline meanwhile
            m_server->handler->onRequest(m_exchange);
            return;
        }
    }
    // The body arrives at the minimum rate on average once the header timeout has passed since the head,
    // and no read waits longer than the idle timeout.
    const auto now = Clock::now();
    const qint64 rate = options().minBodyBytesPerSecond;
    auto due = now + std::chrono::milliseconds(options().idleTimeoutMs);
    if (rate > 0)
        due = std::min(due, m_bodyStart + std::chrono::milliseconds(std::max<qint64>(
                                              options().headerTimeoutMs, m_bodyBytes * 1000 / rate)));
    setDeadline(due);
    // Room for 64 KB reads, not the head's 16 KB ones.
    if (m_buffer.capacity() < kBodyReadBytes)
        m_buffer.reserve(kBodyReadBytes);
    m_socket.async_read_some(m_buffer.prepare(kBodyReadBytes),
                             [self = shared_from_this()](beast::error_code error, std::size_t n) {
                                 if (error) // gone or too slow, mid-body: nothing to answer
                                     return self->close();
                                 self->m_buffer.commit(n);
                                 self->readBody();
                             });
}

void HttpConnection::refuse(int status, const char* message)
{
    // The request is abandoned: its exchange (if any) is over, the answer is the server's own.
    finishExchange();
    HttpAnswer answer;
    answer.status = status;
    answer.body = EndpointHttp::statusBody(status, QString::fromLatin1(message));
    answer.headers = {{"Content-Type", EndpointHttp::kJsonContentType}};
    m_parser.reset();
    send(std::move(answer));
}

bool HttpConnection::keepAlive() const
{
    // The next request can be read only when this one's body was read (or there was none).
    if (!m_parser || !m_exchange)
        return false;
    return m_parser->keep_alive() && (m_bodyRead || !m_exchange->bodyExpected);
}

void HttpConnection::send(HttpAnswer answer)
{
    if (m_writing || !m_socket.is_open())
        return;
    m_writing = true;
    if (m_holding) {
        m_holding = false;
        m_holdTimer.cancel();
    }
    const bool head = m_parser && m_parser->verb == http::verb::head;
    const bool keep = keepAlive();
    const int status = answer.status;
    if (status >= 200 && status != 204 && status != 304) // those never have a body
        m_answerBody = std::move(answer.body);
    else
        m_answerBody.clear();
    writeAnswerHead(m_answerHead, status, answer.headers, keep, m_answerBody.size());
    const std::array<net::const_buffer, 2> buffers{
        net::buffer(m_answerHead),
        head ? net::const_buffer()
             : net::const_buffer(m_answerBody.constData(), static_cast<std::size_t>(m_answerBody.size()))};
    // An answer is small and the socket's buffer empty (the next request is read only after it): written
    // now, without an operation queued and completed.
    beast::error_code error;
    const std::size_t sent = m_socket.write_some(buffers, error);
    if (error == net::error::would_block || error == net::error::try_again)
        error = {};
    if (error)
        return written(error, keep);
    if (sent == net::buffer_size(buffers))
        return written({}, keep);
    setDeadline(Clock::now() + std::chrono::milliseconds(options().idleTimeoutMs));
    beast::buffers_suffix<std::array<net::const_buffer, 2>> rest(buffers);
    rest.consume(sent);
    net::async_write(m_socket, rest,
                     [self = shared_from_this(), keep](beast::error_code writeError, std::size_t) {
                         self->written(writeError, keep);
                     });
}

void HttpConnection::sendStream(int status, HttpHeaders headers, HttpChunkProducer producer)
{
    if (m_writing || !m_socket.is_open())
        return;
    m_writing = true;
    const bool keep = keepAlive();
    auto response = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(status), 11);
    for (const auto& [name, value] : headers)
        response->insert(beast::string_view(name.constData(), static_cast<std::size_t>(name.size())),
                         beast::string_view(value.constData(), static_cast<std::size_t>(value.size())));
    response->keep_alive(keep);
    response->chunked(true);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*response);
    auto chunks = std::make_shared<HttpChunkProducer>(std::move(producer));
    const bool head = m_parser && m_parser->verb == http::verb::head; // the head only
    setDeadline(Clock::now() + std::chrono::milliseconds(options().idleTimeoutMs));
    http::async_write_header(m_socket, *serializer,
                             [self = shared_from_this(), response, serializer, chunks, keep,
                              head](beast::error_code error, std::size_t) {
                                 if (error)
                                     return self->close();
                                 if (head)
                                     return self->written(error, keep);
                                 self->nextChunk(chunks, keep);
                             });
}

void HttpConnection::nextChunk(std::shared_ptr<HttpChunkProducer> producer, bool keepAlive)
{
    QString error;
    std::optional<QByteArray> chunk;
    do {
        chunk = (*producer)(&error);
    } while (chunk && chunk->isEmpty()); // an empty chunk would read as the end
    setDeadline(Clock::now() + std::chrono::milliseconds(options().idleTimeoutMs));
    if (!chunk) {
        if (!error.isEmpty())
            return close(); // cut off without the last chunk: the client sees an error
        net::async_write(m_socket, http::make_chunk_last(),
                         [self = shared_from_this(), keepAlive](beast::error_code writeError, std::size_t) {
                             self->written(writeError, keepAlive);
                         });
        return;
    }
    auto data = std::make_shared<QByteArray>(std::move(*chunk));
    net::async_write(
        m_socket,
        http::make_chunk(net::const_buffer(data->constData(), static_cast<std::size_t>(data->size()))),
        [self = shared_from_this(), data, producer, keepAlive](beast::error_code writeError, std::size_t) {
            if (writeError)
                return self->close();
            self->nextChunk(producer, keepAlive);
        });
}

void HttpConnection::hold(int maxWaitMs, const std::weak_ptr<HttpExchange>& exchange)
{
    m_holding = true;
    m_holdTimer.expires_after(std::chrono::milliseconds(maxWaitMs));
    m_holdTimer.async_wait([exchange](const beast::error_code& error) {
        if (error)
            return;
        if (auto held = exchange.lock())
            held->release();
    });
}

void HttpConnection::written(const beast::error_code& error, bool keepAlive)
{
    m_writing = false;
    m_answerBody.clear();
    finishExchange();
    if (error)
        return close();
    if (!keepAlive)
        return lingerClose();
    waitForRequest(false);
}

void HttpConnection::finishExchange()
{
    if (!m_exchange)
        return;
    const std::shared_ptr<HttpExchange> exchange = std::move(m_exchange);
    exchange->detach();
    m_server->handler->onFinished(*exchange);
}

void HttpConnection::lingerClose()
{
    // Half-close, then read and drop what the client still sends for a moment: closing with unread data
    // would reset the connection, and the client could lose the answer before reading it.
    beast::error_code ignored;
    m_socket.shutdown(tcp::socket::shutdown_send, ignored);
    setDeadline(Clock::now() + std::chrono::seconds(2));
    drain();
}

void HttpConnection::drain()
{
    m_socket.async_read_some(net::buffer(m_drain),
                             [self = shared_from_this()](beast::error_code error, std::size_t) {
                                 if (error)
                                     return self->close();
                                 self->drain();
                             });
}

// --- HttpServer -----------------------------------------------------------------------------------------

void HttpServer::Private::accept()
{
    {
        std::lock_guard locker(mutex);
        if (!accepting || !acceptor)
            return;
        if (connections >= std::max(options.connectionLimit, 1)) {
            acceptPaused = true; // the backlog holds the client until a connection closes
            return;
        }
    }
    // Dealt round-robin to the threads; the connection stays on its thread.
    net::io_context& context = *contexts[nextContext];
    nextContext = (nextContext + 1) % contexts.size();
    acceptor->async_accept(context.get_executor(),
                           [self = shared_from_this()](beast::error_code error, Socket socket) {
                               self->onAccepted(error, std::move(socket));
                           });
}

void HttpServer::Private::onAccepted(const beast::error_code& error, Socket socket)
{
    if (error == net::error::operation_aborted)
        return;
    if (!error) {
        beast::error_code ignored;
        const auto remote = socket.remote_endpoint(ignored);
        const std::string remoteText = remote.address().to_string();
        const QByteArray address = QByteArray::fromStdString(remoteText);
        std::shared_ptr<HttpConnection> connection;
        {
            // Admitted and registered at once, so that stop() closes every connection it admitted.
            std::lock_guard locker(mutex);
            int& count = perAddress[address];
            // One address (a slowloris, a runaway script) cannot take every slot.
            if (accepting && count < std::max(options.perAddressConnectionLimit, 1)) {
                ++count;
                ++connections;
                socket.set_option(tcp::no_delay(true), ignored);
                connection = std::make_shared<HttpConnection>(
                    shared_from_this(), std::move(socket), address,
                    QHostAddress(QString::fromStdString(remoteText)).toString());
                live.emplace(connection.get(), connection);
            } else if (count == 0) {
                perAddress.erase(address);
            }
        }
        if (connection)
            net::dispatch(connection->executor(), [connection] { connection->start(); });
        else
            socket.close(ignored);
    } else if (acceptor) {
        // Out of descriptors or memory: try again in a moment instead of spinning.
        auto retry =
            std::make_shared<net::steady_timer>(acceptor->get_executor(), std::chrono::milliseconds(50));
        retry->async_wait([self = shared_from_this(), retry](const beast::error_code&) { self->accept(); });
        return;
    }
    accept();
}

void HttpServer::Private::released(const QByteArray& address, HttpConnection* connection)
{
    std::lock_guard locker(mutex);
    live.erase(connection);
    if (const auto found = perAddress.find(address); found != perAddress.end() && --found->second <= 0)
        perAddress.erase(found);
    --connections;
    if (acceptPaused && alive && accepting && acceptor) {
        acceptPaused = false;
        net::post(acceptor->get_executor(), [self = shared_from_this()] { self->accept(); });
    }
}

HttpServer::HttpServer(HttpHandler* handler)
    : d(std::make_shared<Private>())
{
    d->handler = handler;
}

HttpServer::~HttpServer()
{
    stop();
}

std::optional<QString> HttpServer::listen(const HttpServerOptions& options)
{
    stop();
    d->options = options;
    beast::error_code error;
    const QString host = options.host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0
                             ? QStringLiteral("127.0.0.1")
                             : options.host;
    const auto address = net::ip::make_address(host.toStdString(), error);
    if (error)
        return QStringLiteral("'%1' is not an IP address to listen on").arg(options.host);
    const int threads = std::max(options.threads, 1);
    for (int i = 0; i < threads; ++i)
        d->contexts.push_back(std::make_unique<net::io_context>(1)); // one thread each
    d->acceptor.emplace(*d->contexts.front());
    const tcp::endpoint endpoint(address, options.port);
    d->acceptor->open(endpoint.protocol(), error);
    if (!error)
        d->acceptor->set_option(net::socket_base::reuse_address(true), error);
    if (!error)
        d->acceptor->bind(endpoint, error);
    if (!error)
        d->acceptor->listen(net::socket_base::max_listen_connections, error);
    if (error) {
        d->acceptor.reset();
        d->contexts.clear();
        return QString::fromStdString(error.message());
    }
    d->port = d->acceptor->local_endpoint(error).port();
    {
        std::lock_guard locker(d->mutex);
        d->alive = true;
        d->accepting = true;
        d->acceptPaused = false;
    }
    d->nextContext = 0;
    for (const auto& context : d->contexts)
        d->work.push_back(net::make_work_guard(context->get_executor()));
    net::post(d->acceptor->get_executor(), [server = d] { server->accept(); });
    for (const auto& context : d->contexts)
        d->threads.emplace_back([context = context.get()] { context->run(); });
    return std::nullopt;
}

quint16 HttpServer::port() const
{
    return d->port;
}

bool HttpServer::isListening() const
{
    return !d->contexts.empty();
}

void HttpServer::stopAccepting()
{
    {
        std::lock_guard locker(d->mutex);
        if (!d->accepting)
            return;
        d->accepting = false;
    }
    if (d->acceptor)
        net::post(d->acceptor->get_executor(), [server = d] {
            beast::error_code ignored;
            server->acceptor->close(ignored);
        });
}

void HttpServer::stop()
{
    if (d->contexts.empty())
        return;
    stopAccepting();
    std::vector<std::shared_ptr<HttpConnection>> open;
    {
        std::lock_guard locker(d->mutex);
        for (const auto& [pointer, weak] : d->live) {
            if (auto connection = weak.lock())
                open.push_back(std::move(connection));
        }
    }
    for (const auto& connection : open)
        connection->post([](HttpConnection& each) { each.close(); });
    open.clear();
    d->work.clear();
    for (std::thread& thread : d->threads)
        thread.join();
    d->threads.clear();
    {
        std::lock_guard locker(d->mutex);
        d->alive = false;
    }
    d->acceptor.reset();
    // The first first: its pending accept, if any, holds a socket of another context. Destroying one drops
    // what was posted to it too late, never running it.
    for (auto& context : d->contexts)
        context.reset();
    d->contexts.clear();
}
