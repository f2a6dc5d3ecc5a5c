#include "connectionwatchdog.h"

#include <QDateTime>

#include <sys/socket.h>

#include <chrono>
#include <vector>

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

ConnectionWatchdog::~ConnectionWatchdog()
{
    stop();
    QMutexLocker locker(&m_mutex);
    for (Watch* watch : m_watches)
        delete watch;
    m_watches.clear();
}

void ConnectionWatchdog::start(const WatchdogLimits& limits)
{
    stop();
    m_limits = limits;
    {
        std::lock_guard<std::mutex> lock(m_wakeMutex);
        m_stopping = false;
    }
    m_thread = std::thread([this] { run(); });
}

void ConnectionWatchdog::stop()
{
    if (!m_thread.joinable())
        return;
    {
        std::lock_guard<std::mutex> lock(m_wakeMutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
    QMutexLocker locker(&m_mutex);
    m_timers.clear();
}

ConnectionWatchdog::Watch* ConnectionWatchdog::add(int fd)
{
    auto* watch = new Watch;
    watch->fd = fd;
    watch->stageStartMs = nowMs();
    watch->headersDueMs = watch->stageStartMs + m_limits.headerTimeoutMs;
    QMutexLocker locker(&m_mutex);
    m_watches.insert(watch);
    return watch;
}

void ConnectionWatchdog::remove(Watch* watch)
{
    if (!watch)
        return;
    QMutexLocker locker(&m_mutex);
    m_watches.erase(watch);
    delete watch;
}

void ConnectionWatchdog::headersReceived(Watch* watch)
{
    if (!watch)
        return;
    watch->bodyBytes = 0;
    watch->stageStartMs = nowMs();
    watch->stage = ReceivingBody;
}

void ConnectionWatchdog::bodyReceived(Watch* watch, qint64 bytes)
{
    if (watch)
        watch->bodyBytes += bytes;
}

void ConnectionWatchdog::answering(Watch* watch)
{
    if (watch)
        watch->stage = Answering;
}

void ConnectionWatchdog::requestFinished(Watch* watch)
{
    if (!watch)
        return;
    watch->stageStartMs = nowMs();
    watch->headersDueMs = watch->stageStartMs + m_limits.idleTimeoutMs + m_limits.headerTimeoutMs;
    watch->stage = AwaitingHeaders;
}

void ConnectionWatchdog::after(int delayMs, std::function<void()> expire)
{
    QMutexLocker locker(&m_mutex);
    m_timers.emplace(nowMs() + delayMs, std::move(expire));
}

void ConnectionWatchdog::run()
{
    std::unique_lock<std::mutex> lock(m_wakeMutex);
    while (!m_stopping) {
        m_wake.wait_for(lock, std::chrono::milliseconds(250));
        if (m_stopping)
            break;
        const qint64 now = nowMs();
        std::vector<std::function<void()>> due;
        {
            QMutexLocker locker(&m_mutex);
            while (!m_timers.empty() && m_timers.begin()->first <= now) {
                due.push_back(std::move(m_timers.begin()->second));
                m_timers.erase(m_timers.begin());
            }
        }
        for (const auto& expire : due) // outside the lock: they may resume connections
            expire();
        QMutexLocker locker(&m_mutex);
        for (Watch* watch : m_watches) {
            const qint64 elapsed = now - watch->stageStartMs.load();
            bool late = false;
            switch (watch->stage.load()) {
            case AwaitingHeaders:
                // Counted from the connection, or from the previous answer plus the idle timeout (an idle
                // keep-alive connection is libmicrohttpd's idle timeout's to close): bounded either way.
                late = now > watch->headersDueMs.load();
                break;
            case ReceivingBody:
                late = elapsed > m_limits.headerTimeoutMs &&
                       watch->bodyBytes.load() * 1000 < m_limits.minBodyBytesPerSecond * elapsed;
                break;
            default:
                break;
            }
            if (late && watch->fd >= 0) {
                ::shutdown(watch->fd, SHUT_RDWR);
                watch->fd = -1; // once
                ++m_dropped;
            }
        }
    }
}
