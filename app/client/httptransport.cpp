#include "httptransport.h"

#include "compression/gzip.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <curl/curl.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

bool SendResult::isRetryable() const
{
    switch (status) {
    case SendStatus::Success:
    case SendStatus::Cancelled:
        return false;
    case SendStatus::TransportError:
    case SendStatus::Timeout:
        return true;
    case SendStatus::HttpError:
        return httpStatus == 429 || httpStatus >= 500;
    }
    return false;
}

QString SendResult::describe() const
{
    switch (status) {
    case SendStatus::Success:
    case SendStatus::HttpError:
        return message.isEmpty() ? QStringLiteral("HTTP %1").arg(httpStatus)
                                 : QStringLiteral("HTTP %1: %2").arg(httpStatus).arg(message);
    case SendStatus::Timeout:
        return QStringLiteral("timeout: %1").arg(errorString);
    case SendStatus::TransportError:
        return QStringLiteral("network error: %1").arg(errorString);
    case SendStatus::Cancelled:
        return QStringLiteral("cancelled");
    }
    return {};
}

namespace HttpHeaders {

std::optional<qint64> parseRetryAfterMs(const QByteArray& value, qint64 nowMs)
{
    const QByteArray trimmed = value.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 seconds = trimmed.toLongLong(&ok);
    if (ok)
        return seconds < 0 ? std::nullopt : std::optional<qint64>(seconds * 1000);
    // HTTP-date (IMF-fixdate): "Wed, 21 Oct 2015 07:28:00 GMT".
    const QDateTime date = QLocale::c().toDateTime(QString::fromLatin1(trimmed).chopped(4),
                                                   QStringLiteral("ddd, dd MMM yyyy HH:mm:ss"));
    if (!date.isValid() || !trimmed.endsWith("GMT"))
        return std::nullopt;
    QDateTime utc = date;
    utc.setTimeSpec(Qt::UTC);
    return qMax<qint64>(0, utc.toMSecsSinceEpoch() - nowMs);
}

QString messageFromBody(const QByteArray& body)
{
    if (body.isEmpty())
        return {};
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error == QJsonParseError::NoError && document.isObject()) {
        const QJsonValue message = document.object().value(QLatin1String("message"));
        if (message.isString())
            return message.toString();
    }
    // Algolia's 400 is text/html; a proxy may answer anything. Keep it short and on one line.
    QString text = QString::fromUtf8(body.left(300)).simplified();
    return text;
}

} // namespace HttpHeaders

namespace {

using Clock = std::chrono::steady_clock;

// One transfer as the worker thread runs it: the easy handle and everything it points into.
struct Transfer
{
    quint64 id = 0;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    QByteArray body;
    QByteArray response;
    QList<QPair<QByteArray, QByteArray>> responseHeaders; // of the last response (after any 100 Continue)
    char error[CURL_ERROR_SIZE] = {};
    int timeoutMs = 30'000;
    Clock::time_point started;
    Clock::time_point lastProgress;
    curl_off_t lastUp = -1;
    curl_off_t lastDown = -1;

    Transfer() = default;
    Q_DISABLE_COPY_MOVE(Transfer)
    ~Transfer()
    {
        if (easy)
            curl_easy_cleanup(easy);
        curl_slist_free_all(headers);
    }
};

size_t onBody(char* data, size_t size, size_t count, void* user)
{
    auto* transfer = static_cast<Transfer*>(user);
    transfer->response.append(data, static_cast<qsizetype>(size * count));
    return size * count;
}

size_t onHeader(char* data, size_t size, size_t count, void* user)
{
    auto* transfer = static_cast<Transfer*>(user);
    const QByteArray line = QByteArray(data, static_cast<qsizetype>(size * count)).trimmed();
    if (line.startsWith("HTTP/")) {
        transfer->responseHeaders.clear(); // a new response (the final one follows a 100 Continue)
    } else if (const qsizetype colon = line.indexOf(':'); colon > 0) {
        transfer->responseHeaders.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    return size * count;
}

// Called often while bytes move and about once a second otherwise: the transfer timeout counts from the
// last time a byte moved, as QNetworkRequest::setTransferTimeout did.
int onProgress(void* user, curl_off_t, curl_off_t downloaded, curl_off_t, curl_off_t uploaded)
{
    auto* transfer = static_cast<Transfer*>(user);
    if (downloaded != transfer->lastDown || uploaded != transfer->lastUp) {
        transfer->lastDown = downloaded;
        transfer->lastUp = uploaded;
        transfer->lastProgress = Clock::now();
    }
    return 0;
}

QByteArray headerOf(const Transfer& transfer, QByteArrayView name)
{
    for (const auto& [key, value] : transfer.responseHeaders) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool hasHeader(const SendRequest& request, QByteArrayView name)
{
    for (const auto& header : request.headers) {
        if (QByteArrayView(header.first).compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

SendResult resultOf(const Transfer& transfer, CURLcode code, bool timedOut)
{
    SendResult result;
    long status = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
    result.httpStatus = code == CURLE_OK ? static_cast<int>(status) : 0;
    result.body = transfer.response;
    result.elapsedMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - transfer.started).count();
    if (timedOut) {
        result.status = SendStatus::Timeout;
        result.errorString = QStringLiteral("no answer within the transfer timeout");
    } else if (result.httpStatus > 0) {
        result.status =
            result.httpStatus >= 200 && result.httpStatus < 300 ? SendStatus::Success : SendStatus::HttpError;
    } else {
        result.status = SendStatus::TransportError;
        const QString detail = QString::fromUtf8(transfer.error).trimmed();
        const QString what = QString::fromUtf8(curl_easy_strerror(code));
        result.errorString =
            detail.isEmpty() || detail == what ? what : QStringLiteral("%1 (%2)").arg(detail, what);
    }
    if (result.httpStatus > 0) {
        result.message = HttpHeaders::messageFromBody(result.body);
        result.contentType = headerOf(transfer, "Content-Type");
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        if (const QByteArray retryAfter = headerOf(transfer, "Retry-After"); !retryAfter.isEmpty())
            result.retryAfterMs = HttpHeaders::parseRetryAfterMs(retryAfter, nowMs);
        bool ok = false;
        const qint64 resetSeconds = headerOf(transfer, "x-ratelimit-reset").toLongLong(&ok);
        if (ok && resetSeconds > 0)
            result.rateLimitResetMs = resetSeconds * 1000;
        for (const char* name : {"x-request-id", "x-algolia-request-id", "request-id"}) {
            if (const QByteArray id = headerOf(transfer, name); !id.isEmpty()) {
                result.requestId = QString::fromLatin1(id);
                break;
            }
        }
    } else {
        result.message = result.errorString;
    }
    return result;
}

std::once_flag curlInitialised;

} // namespace

// The libcurl multi loop, on its own thread: requests in through a queue (curl_multi_wakeup), results
// out as queued calls on the transport's thread.
class HttpTransport::Worker final
{
public:
    explicit Worker(HttpTransport* owner)
        : m_owner(owner)
    {
        std::call_once(curlInitialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
        m_multi = curl_multi_init();
        m_thread = std::thread([this] { run(); });
    }
    ~Worker()
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stopping = true;
        }
        curl_multi_wakeup(m_multi);
        m_thread.join();
        for (auto& [easy, transfer] : m_running)
            curl_multi_remove_handle(m_multi, easy);
        m_running.clear();
        curl_multi_cleanup(m_multi);
    }
    Q_DISABLE_COPY_MOVE(Worker)

    void start(std::unique_ptr<Transfer> transfer)
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_incoming.push_back(std::move(transfer));
        }
        curl_multi_wakeup(m_multi);
    }

    void cancel(quint64 id)
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_cancelled.push_back(id);
        }
        curl_multi_wakeup(m_multi);
    }

private:
    void run()
    {
        for (;;) {
            std::vector<std::unique_ptr<Transfer>> incoming;
            std::vector<quint64> cancelled;
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                if (m_stopping)
                    return;
                incoming.swap(m_incoming);
                cancelled.swap(m_cancelled);
            }
            for (std::unique_ptr<Transfer>& transfer : incoming) {
                transfer->started = transfer->lastProgress = Clock::now();
                curl_multi_add_handle(m_multi, transfer->easy);
                CURL* easy = transfer->easy;
                m_running.emplace(easy, std::move(transfer));
            }
            for (const quint64 id : cancelled)
                drop([id](const Transfer& transfer) { return transfer.id == id; }, nullptr);
            int running = 0;
            curl_multi_perform(m_multi, &running);
            int queued = 0;
            while (CURLMsg* message = curl_multi_info_read(m_multi, &queued)) {
                if (message->msg != CURLMSG_DONE)
                    continue;
                const CURLcode code = message->data.result;
                CURL* easy = message->easy_handle;
                drop([easy](const Transfer& transfer) { return transfer.easy == easy; },
                     [code](const Transfer& transfer) { return resultOf(transfer, code, false); });
            }
            const Clock::time_point now = Clock::now();
            drop(
                [now](const Transfer& transfer) {
                    return now - transfer.lastProgress > std::chrono::milliseconds(transfer.timeoutMs);
                },
                [](const Transfer& transfer) { return resultOf(transfer, CURLE_OPERATION_TIMEDOUT, true); });
            // Wake for sockets, new requests and libcurl's own timers, and often enough to see timeouts.
            curl_multi_poll(m_multi, nullptr, 0, m_running.empty() ? 1000 : 20, nullptr);
        }
    }

    // Removes the transfers `which` selects; `answer` (when given) makes their result for the owner.
    template <typename Which, typename Answer>
    void drop(Which which, Answer answer)
    {
        for (auto it = m_running.begin(); it != m_running.end();) {
            if (!which(*it->second)) {
                ++it;
                continue;
            }
            curl_multi_remove_handle(m_multi, it->first);
            if constexpr (!std::is_same_v<Answer, std::nullptr_t>) {
                const SendResult result = answer(*it->second);
                const quint64 id = it->second->id;
                HttpTransport* owner = m_owner;
                QMetaObject::invokeMethod(
                    owner, [owner, id, result] { owner->finish(id, result); }, Qt::QueuedConnection);
            }
            it = m_running.erase(it);
        }
    }

    HttpTransport* m_owner;
    CURLM* m_multi = nullptr;
    std::thread m_thread;
    std::mutex m_mutex;
    std::vector<std::unique_ptr<Transfer>> m_incoming;              // guarded by m_mutex
    std::vector<quint64> m_cancelled;                               // guarded by m_mutex
    bool m_stopping = false;                                        // guarded by m_mutex
    std::unordered_map<CURL*, std::unique_ptr<Transfer>> m_running; // worker thread only
};

HttpTransport::HttpTransport(QObject* parent)
    : QObject(parent)
    , m_worker(std::make_unique<Worker>(this))
{}

HttpTransport::~HttpTransport()
{
    abortAll();
}

quint64 HttpTransport::execute(const SendRequest& request, QObject* context, Handler handler)
{
    auto transfer = std::make_unique<Transfer>();
    transfer->id = m_nextId++;
    transfer->timeoutMs = request.timeoutMs;
    Pending pending;
    pending.context = context;
    pending.handler = std::move(handler);
    for (const auto& [name, value] : request.headers) {
        const QByteArray line = name + ": " + value;
        transfer->headers = curl_slist_append(transfer->headers, line.constData());
        if (name.compare("x-algolia-request-id", Qt::CaseInsensitive) == 0)
            pending.sentRequestId = value;
    }
    QByteArray body = request.body;
    if (request.bodyIsGzip) {
        transfer->headers = curl_slist_append(transfer->headers, "content-encoding: gzip");
    } else if (request.gzipBody && body.size() > 750) {
        QByteArray compressed = gzipBody(body);
        if (!compressed.isEmpty() && compressed.size() < body.size()) {
            body = std::move(compressed);
            transfer->headers = curl_slist_append(transfer->headers, "content-encoding: gzip");
        }
    }
    // No "Expect: 100-continue" round trip before a body, and no form content type the caller did not ask
    // for.
    transfer->headers = curl_slist_append(transfer->headers, "Expect:");
    if (!hasHeader(request, "content-type"))
        transfer->headers = curl_slist_append(transfer->headers, "Content-Type:");
    transfer->body = std::move(body);

    CURL* easy = curl_easy_init();
    transfer->easy = easy;
    const QByteArray url = request.url.toEncoded();
    curl_easy_setopt(easy, CURLOPT_URL, url.constData()); // libcurl copies strings it is given
    curl_easy_setopt(easy, CURLOPT_PROXY, ""); // as QNetworkAccessManager: no proxy from the environment
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, ""); // gzip/deflate answers, decoded
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeoutMs));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, transfer.get());
    if (request.method == "GET") {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
        if (request.method != "POST")
            curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.constData());
        if (request.method == "POST" || !transfer->body.isEmpty()) {
            curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(transfer->body.size()));
            curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->body.constData());
        }
    }
    const quint64 id = transfer->id;
    m_pending.insert(id, std::move(pending));
    m_worker->start(std::move(transfer));
    return id;
}

void HttpTransport::abort(quint64 id)
{
    if (!m_pending.contains(id))
        return;
    m_worker->cancel(id);
    SendResult result;
    result.status = SendStatus::Cancelled;
    result.errorString = QStringLiteral("cancelled");
    result.message = result.errorString;
    finish(id, result);
}

void HttpTransport::abortAll()
{
    const QList<quint64> ids = m_pending.keys();
    for (const quint64 id : ids)
        abort(id);
}

int HttpTransport::inFlight() const
{
    return static_cast<int>(m_pending.size());
}

void HttpTransport::finish(quint64 id, const SendResult& answer)
{
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
        return; // aborted meanwhile: its handler has run
    Pending pending = std::move(*it);
    m_pending.erase(it);
    SendResult result = answer;
    if (result.requestId.isEmpty())
        result.requestId = QString::fromLatin1(pending.sentRequestId);
    if (pending.context && pending.handler)
        pending.handler(result);
}
