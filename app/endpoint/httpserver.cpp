#include "httpserver.h"

#include "endpointhttp.h"

#include <QHostAddress>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <thread>
#include <unordered_set>
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
           error == beast::error::timeout || error == net::error::operation_aborted ||
           error.category() == net::error::get_system_category() ||
           error.category() == net::error::get_misc_category();
}

constexpr std::size_t kBodyReadBytes = 64 * 1024;

QByteArray bytesOf(beast::string_view text)
{
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
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
        this->method = bytesOf(methodText);
        target = bytesOf(requestTarget);
        version = httpVersion;
        headBytes = this->method.size() + target.size() + 12; // " ", " HTTP/1.1\r\n"
    }
    void on_response_impl(int, beast::string_view, int, beast::error_code& error) override
    {
        error = http::error::bad_version; // a request parser never reads a status line
    }
    void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                       beast::error_code&) override
    {
        headers.append({bytesOf(name).toLower(), bytesOf(value)});
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

struct HttpServer::Private : std::enable_shared_from_this<HttpServer::Private>
{
    HttpHandler* handler = nullptr;
    HttpServerOptions options;
    // Made by listen(); stop() joins its threads, then destroys it with whatever was posted to it too late
    // (never run: `alive` is false by then, so nothing more is posted).
    std::unique_ptr<net::io_context> context;
    std::optional<tcp::acceptor> acceptor;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    std::vector<std::thread> threads;
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
    void onAccepted(const beast::error_code& error, tcp::socket socket);
    void released(const QByteArray& address, HttpConnection* connection);
};

class HttpConnection final : public std::enable_shared_from_this<HttpConnection>
{
public:
    HttpConnection(std::shared_ptr<HttpServer::Private> server, tcp::socket socket, QByteArray address)
        : m_server(std::move(server))
        , m_stream(std::move(socket))
        , m_timer(m_stream.get_executor())
        , m_address(std::move(address))
        , m_connectedAt(Clock::now())
    {}

    ~HttpConnection() { m_server->released(m_address, this); }

    void start() { waitForRequest(true); }
    net::any_io_executor executor() { return m_stream.get_executor(); }

    // From any thread.
    void post(std::function<void(HttpConnection&)> work)
    {
        std::lock_guard locker(m_server->mutex);
        if (!m_server->alive)
            return;
        net::post(m_stream.get_executor(),
                  [self = shared_from_this(), work = std::move(work)] { work(*self); });
    }

    void close()
    {
        beast::error_code ignored;
        m_timer.cancel();
        m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        m_stream.close();
        finishExchange();
    }

    void send(HttpAnswer answer);
    void sendStream(int status, HttpHeaders headers, HttpChunkProducer producer);
    void hold(int maxWaitMs, const std::weak_ptr<HttpExchange>& exchange);

private:
    const HttpServerOptions& options() const { return m_server->options; }
    void waitForRequest(bool first);
    void readHead();
    void onHead(const beast::error_code& error);
    void readBody();
    void onBody(const beast::error_code& error);
    bool bodyPiece(const char* data, std::size_t size);
    void refuse(int status, const char* message);
    bool keepAlive() const;
    void finishExchange();
    void written(const beast::error_code& error, bool keepAlive);
    void lingerClose();
    void drain();
    void nextChunk(std::shared_ptr<HttpChunkProducer> producer, bool keepAlive);

    std::shared_ptr<HttpServer::Private> m_server;
    beast::tcp_stream m_stream;
    net::steady_timer m_timer; // a held answer's deadline
    beast::flat_buffer m_buffer;
    std::optional<RequestParser> m_parser;
    std::shared_ptr<HttpExchange> m_exchange;
    QByteArray m_address;
    Clock::time_point m_connectedAt;
    Clock::time_point m_headDue;
    Clock::time_point m_bodyStart;
    qint64 m_bodyBytes = 0;
    bool m_bodyRead = false;
    bool m_writing = false;
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

void HttpExchange::respond(HttpAnswer answer)
{
    std::lock_guard locker(m_mutex);
    if (m_claimed)
        return;
    m_claimed = m_sent = true;
    if (m_connection)
        m_connection->post([answer = std::move(answer)](HttpConnection& connection) mutable {
            connection.send(std::move(answer));
        });
}

void HttpExchange::respondStream(int status, HttpHeaders headers, HttpChunkProducer producer)
{
    std::lock_guard locker(m_mutex);
    if (m_claimed)
        return;
    m_claimed = m_sent = true;
    if (m_connection)
        m_connection->post([status, headers = std::move(headers),
                            producer = std::move(producer)](HttpConnection& connection) mutable {
            connection.sendStream(status, std::move(headers), std::move(producer));
        });
}

void HttpExchange::respondAfter(HttpAnswer answer, int maxWaitMs)
{
    std::lock_guard locker(m_mutex);
    if (m_claimed)
        return;
    m_claimed = true;
    m_held = std::move(answer);
    if (m_connection)
        m_connection->post([maxWaitMs, exchange = weak_from_this()](HttpConnection& connection) {
            connection.hold(maxWaitMs, exchange);
        });
}

void HttpExchange::release()
{
    std::lock_guard locker(m_mutex);
    if (m_sent || !m_held)
        return;
    m_sent = true;
    if (m_connection)
        m_connection->post([answer = std::move(*m_held)](HttpConnection& connection) mutable {
            connection.send(std::move(answer));
        });
    m_held.reset();
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
        m_stream.expires_at(std::min(idleDue, m_headDue));
    } else {
        m_stream.expires_at(idleDue);
    }
    m_stream.async_read_some(m_buffer.prepare(16 * 1024), [self = shared_from_this(),
                                                           first](beast::error_code error, std::size_t n) {
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
    m_parser->eager(true);
    m_bodyRead = false;
    m_bodyBytes = 0;
    m_stream.expires_at(m_headDue);
    http::async_read_header(
        m_stream, m_buffer, *m_parser,
        [self = shared_from_this()](beast::error_code error, std::size_t) { self->onHead(error); });
}

bool HttpConnection::bodyPiece(const char* data, std::size_t size)
{
    m_bodyBytes += static_cast<qint64>(size);
    return !m_exchange || m_server->handler->onBody(*m_exchange, data, static_cast<qsizetype>(size));
}

void HttpConnection::onHead(const beast::error_code& error)
{
    if (error) {
        if (isTransportEnd(error))
            return close();
        const ParseRefusal refusal = refusalFor(error);
        return refuse(refusal.status, refusal.message);
    }
    RequestParser& request = *m_parser;
    auto exchange = std::make_shared<HttpExchange>(shared_from_this());
    exchange->method = request.method;
    exchange->target = request.target;
    exchange->version = request.version >= 11 ? 11 : 10;
    exchange->headers = std::move(request.headers);
    request.headers.clear();
    exchange->headBytes = request.headBytes;
    beast::error_code ignored;
    const auto remote = m_stream.socket().remote_endpoint(ignored);
    exchange->remoteAddress = QHostAddress(QString::fromStdString(remote.address().to_string())).toString();
    const auto length = request.content_length();
    exchange->bodyExpected =
        request.chunked() || (length && *length > 0) || !exchange->header("transfer-encoding").isEmpty();
    m_exchange = exchange;
    m_server->handler->onHead(exchange);
    if (exchange->answered() || !m_exchange)
        return; // refused: the answer comes (now or once logged); the body is not read
    if (m_parser->is_done()) {
        m_bodyRead = true;
        m_stream.expires_never();
        m_server->handler->onRequest(exchange);
        return;
    }
    m_bodyStart = Clock::now();
    if (exchange->header("expect").trimmed().compare("100-continue", Qt::CaseInsensitive) == 0) {
        static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        m_stream.expires_after(std::chrono::milliseconds(options().idleTimeoutMs));
        net::async_write(m_stream, net::buffer(kContinue, sizeof kContinue - 1),
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
    // The body arrives at the minimum rate on average once the header timeout has passed since the head,
    // and no read waits longer than the idle timeout.
    const auto now = Clock::now();
    const qint64 rate = options().minBodyBytesPerSecond;
    auto due = now + std::chrono::milliseconds(options().idleTimeoutMs);
    if (rate > 0)
        due = std::min(due, m_bodyStart + std::chrono::milliseconds(std::max<qint64>(
                                              options().headerTimeoutMs, m_bodyBytes * 1000 / rate)));
    m_stream.expires_at(due);
    // Beast reads as much as the buffer has room for: room for 64 KB reads, not the head's 16 KB ones.
    if (m_buffer.capacity() < kBodyReadBytes)
        m_buffer.reserve(kBodyReadBytes);
    http::async_read_some(
        m_stream, m_buffer, *m_parser,
        [self = shared_from_this()](beast::error_code error, std::size_t) { self->onBody(error); });
}

void HttpConnection::onBody(const beast::error_code& error)
{
    if (error) {
        if (m_parser->bodyRefused)
            return refuse(413, "Request Entity Too Large");
        if (isTransportEnd(error))
            return close();
        const ParseRefusal refusal = refusalFor(error);
        return refuse(refusal.status, refusal.message);
    }
    if (!m_exchange)
        return close();
    if (!m_parser->is_done())
        return readBody();
    m_bodyRead = true;
    m_stream.expires_never(); // answered once the log commits: no deadline meanwhile
    m_server->handler->onRequest(m_exchange);
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
    if (m_writing || !m_stream.socket().is_open())
        return;
    m_writing = true;
    m_timer.cancel();
    const bool head = m_parser && m_parser->verb == http::verb::head;
    const bool keep = keepAlive();
    auto response =
        std::make_shared<http::response<http::string_body>>(static_cast<http::status>(answer.status), 11);
    for (const auto& [name, value] : answer.headers)
        response->insert(beast::string_view(name.constData(), static_cast<std::size_t>(name.size())),
                         beast::string_view(value.constData(), static_cast<std::size_t>(value.size())));
    const int status = answer.status;
    if (status >= 200 && status != 204 && status != 304) // those never have a body
        response->body().assign(answer.body.constData(), static_cast<std::size_t>(answer.body.size()));
    response->keep_alive(keep);
    response->prepare_payload();
    m_stream.expires_after(std::chrono::milliseconds(options().idleTimeoutMs));
    auto done = [self = shared_from_this(), response, keep](beast::error_code error, std::size_t) {
        self->written(error, keep);
    };
    if (head) {
        auto serializer = std::make_shared<http::response_serializer<http::string_body>>(*response);
        http::async_write_header(
            m_stream, *serializer,
            [serializer, done = std::move(done)](beast::error_code error, std::size_t n) { done(error, n); });
        return;
    }
    http::async_write(m_stream, *response, std::move(done));
}

void HttpConnection::sendStream(int status, HttpHeaders headers, HttpChunkProducer producer)
{
    if (m_writing || !m_stream.socket().is_open())
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
    m_stream.expires_after(std::chrono::milliseconds(options().idleTimeoutMs));
    http::async_write_header(m_stream, *serializer,
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
    m_stream.expires_after(std::chrono::milliseconds(options().idleTimeoutMs));
    if (!chunk) {
        if (!error.isEmpty())
            return close(); // cut off without the last chunk: the client sees an error
        net::async_write(m_stream, http::make_chunk_last(),
                         [self = shared_from_this(), keepAlive](beast::error_code writeError, std::size_t) {
                             self->written(writeError, keepAlive);
                         });
        return;
    }
    auto data = std::make_shared<QByteArray>(std::move(*chunk));
    net::async_write(
        m_stream,
        http::make_chunk(net::const_buffer(data->constData(), static_cast<std::size_t>(data->size()))),
        [self = shared_from_this(), data, producer, keepAlive](beast::error_code writeError, std::size_t) {
            if (writeError)
                return self->close();
            self->nextChunk(producer, keepAlive);
        });
}

void HttpConnection::hold(int maxWaitMs, const std::weak_ptr<HttpExchange>& exchange)
{
    m_timer.expires_after(std::chrono::milliseconds(maxWaitMs));
    m_timer.async_wait([exchange](const beast::error_code& error) {
        if (error)
            return;
        if (auto held = exchange.lock())
            held->release();
    });
}

void HttpConnection::written(const beast::error_code& error, bool keepAlive)
{
    m_writing = false;
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
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    m_stream.expires_after(std::chrono::seconds(2));
    drain();
}

void HttpConnection::drain()
{
    m_stream.async_read_some(net::buffer(m_drain),
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
    acceptor->async_accept(net::make_strand(*context),
                           [self = shared_from_this()](beast::error_code error, tcp::socket socket) {
                               self->onAccepted(error, std::move(socket));
                           });
}

void HttpServer::Private::onAccepted(const beast::error_code& error, tcp::socket socket)
{
    if (error == net::error::operation_aborted)
        return;
    if (!error) {
        beast::error_code ignored;
        const auto remote = socket.remote_endpoint(ignored);
        const QByteArray address = QByteArray::fromStdString(remote.address().to_string());
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
                connection = std::make_shared<HttpConnection>(shared_from_this(), std::move(socket), address);
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
    d->context = std::make_unique<net::io_context>(threads);
    d->acceptor.emplace(net::make_strand(*d->context));
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
        d->context.reset();
        return QString::fromStdString(error.message());
    }
    d->port = d->acceptor->local_endpoint(error).port();
    {
        std::lock_guard locker(d->mutex);
        d->alive = true;
        d->accepting = true;
        d->acceptPaused = false;
    }
    d->work.emplace(net::make_work_guard(*d->context));
    net::post(d->acceptor->get_executor(), [server = d] { server->accept(); });
    for (int i = 0; i < threads; ++i)
        d->threads.emplace_back([context = d->context.get()] { context->run(); });
    return std::nullopt;
}

quint16 HttpServer::port() const
{
    return d->port;
}

bool HttpServer::isListening() const
{
    return d->context != nullptr;
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
    if (!d->context)
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
    d->work.reset();
    for (std::thread& thread : d->threads)
        thread.join();
    d->threads.clear();
    {
        std::lock_guard locker(d->mutex);
        d->alive = false;
    }
    d->acceptor.reset();
    d->context.reset(); // destroys what was posted too late, never running it
}
